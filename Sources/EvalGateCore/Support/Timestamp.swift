import Foundation

/// UTC timestamps as text, without a shared formatter (they are written from many places).
public enum Timestamp {
    /// `2026-11-21T22:07:55.123Z`. Written digit by digit: this runs once per stored result, and
    /// `String(format:)` showed up at 2% of a run's CPU.
    public static func iso8601(_ date: Date) -> String {
        var out = [UInt8]()
        out.reserveCapacity(24)
        writeISO8601(date, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `iso8601(date)`'s UTF-8 to `out`, with no String in between.
    public static func writeISO8601(_ date: Date, to out: inout [UInt8]) {
        let totalMillis = (date.timeIntervalSince1970 * 1000).rounded()
        var seconds = time_t((totalMillis / 1000).rounded(.down))
        let millis = Int(totalMillis - Double(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        digits(Int(parts.tm_year) + 1900, 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2, &out)
        out.append(UInt8(ascii: "."))
        digits(millis, 3, &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// `20261121-220755`.
    public static func compact(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var out = [UInt8]()
        digits(Int(parts.tm_year) + 1900, 4, &out)
        digits(Int(parts.tm_mon) + 1, 2, &out)
        digits(Int(parts.tm_mday), 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_hour), 2, &out)
        digits(Int(parts.tm_min), 2, &out)
        digits(Int(parts.tm_sec), 2, &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `value` as exactly `width` decimal digits, zero-padded.
    private static func digits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = max(0, value) % (divisor * 10)
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Parses what `iso8601` wrote (milliseconds optional). Scans the bytes once: it runs for
    /// every result read back, and splitting the string was 8% of writing a 100,000-case report.
    public static func parse(_ text: String) -> Date? {
        var fields = InlineArray<7, Int32>(repeating: 0)
        var count = 0
        var fractionDigits = 0
        var inNumber = false
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if !inNumber {
                    guard count < 7 else { break }
                    inNumber = true
                    count += 1
                }
                if count == 7 {
                    // A fraction of a second: its first three digits are the milliseconds.
                    fractionDigits += 1
                    if fractionDigits > 3 { continue }
                }
                let (value, overflow) = fields[count - 1].multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                fields[count - 1] = value &+ Int32(byte - UInt8(ascii: "0"))
            } else {
                inNumber = false
            }
        }
        guard count >= 6 else { return nil }
        var millis = Double(fields[6])
        for _ in min(fractionDigits, 3)..<3 where count > 6 { millis *= 10 }
        let seconds: Int
        if (1...12).contains(fields[1]) && (1...31).contains(fields[2]) {
            // The days since 1970 by the proleptic Gregorian calendar, as `timegm` counts them,
            // without its call (an eighth of reading a stored result back).
            let month = Int(fields[1])
            let year = Int(fields[0]) - (month <= 2 ? 1 : 0)
            let era = (year >= 0 ? year : year - 399) / 400
            let yearOfEra = year - era * 400
            let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + Int(fields[2]) - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            seconds = days * 86_400 + Int(fields[3]) * 3_600 + Int(fields[4]) * 60 + Int(fields[5])
        } else {
            var parts = tm()
            parts.tm_year = fields[0] - 1900
            parts.tm_mon = fields[1] - 1
            parts.tm_mday = fields[2]
            parts.tm_hour = fields[3]
            parts.tm_min = fields[4]
            parts.tm_sec = fields[5]
            seconds = Int(timegm(&parts))
        }
        return Date(timeIntervalSince1970: Double(seconds) + millis / 1000)
    }
}
