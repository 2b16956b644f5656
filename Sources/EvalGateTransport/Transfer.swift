import CCurl
import Foundation

/// One request in flight: its easy handle, header list, buffers and the continuation to resume.
/// Lives and dies on the loop thread.
final class Transfer {
    let id: UInt64
    let handle: UnsafeMutableRawPointer
    let continuation: CheckedContinuation<HTTPResponse, any Error>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private let limit: Int
    private let timeoutSeconds: Double
    private let started = ContinuousClock.now
    fileprivate var body: [UInt8] = []
    fileprivate var headerLines: [(String, String)] = []
    fileprivate var tooLarge = false

    init(id: UInt64, request: HTTPRequest, continuation: CheckedContinuation<HTTPResponse, any Error>) throws {
        guard let handle = curl_easy_init() else { throw TransportError.invalidRequest("libcurl could not create a transfer") }
        self.id = id
        self.handle = handle
        self.continuation = continuation
        self.limit = request.maximumResponseBytes
        self.timeoutSeconds = request.timeoutSeconds
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let opaqueSelf = Unmanaged.passUnretained(self).toOpaque()
        evalgate_curl_setopt_string(handle, CURLOPT_URL, request.url)
        evalgate_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        evalgate_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        evalgate_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(request.timeoutSeconds * 1000)))
        evalgate_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeoutSeconds * 1000)))
        evalgate_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl decodes
        evalgate_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        evalgate_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, Transfer.onBody)
        evalgate_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, opaqueSelf)
        evalgate_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, Transfer.onHeader)
        evalgate_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, opaqueSelf)
        if let bundle = Transfer.caBundle {
            evalgate_curl_setopt_string(handle, CURLOPT_CAINFO, bundle)
        }

        switch request.method.uppercased() {
        case "GET":
            evalgate_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "POST":
            evalgate_curl_setopt_long(handle, CURLOPT_POST, 1)
        default:
            evalgate_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.uppercased())
        }
        if request.method.uppercased() != "GET" {
            evalgate_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            // COPYPOSTFIELDS copies the bytes: the Swift array may go away before the transfer ends.
            if request.body.isEmpty {
                evalgate_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                request.body.withUnsafeBytes { bytes in
                    _ = bytes.baseAddress.map { evalgate_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) }
                }
            }
        }
        // An empty Expect: stops libcurl 7.88 from waiting up to a second for "100 Continue" on
        // bodies over 1 KiB.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        evalgate_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
    }

    /// libcurl reads CA bundles from its build default; honour the variables people set for it.
    /// Read once: copying the environment for every request showed up at 6% of a run's CPU.
    static let caBundle: String? = {
        let environment = ProcessInfo.processInfo.environment
        return (environment["CURL_CA_BUNDLE"] ?? environment["SSL_CERT_FILE"]).flatMap { $0.isEmpty ? nil : $0 }
    }()

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// The response, or why there is none, once libcurl reports the transfer done.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, any Error> {
        let elapsed = started.duration(to: .now)
        let durationMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        switch code {
        case CURLE_OK:
            var status = 0
            evalgate_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: headerLines, body: body, durationMs: durationMs))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(TransportError.timeout(seconds: timeoutSeconds))
        case CURLE_WRITE_ERROR where tooLarge:
            return .failure(TransportError.bodyTooLarge(limit: limit))
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .failure(TransportError.invalidRequest(message(code)))
        default:
            return .failure(TransportError.connection(message(code)))
        }
    }

    /// libcurl's detailed message when it left one, else the generic text for the code.
    private func message(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        let generic = String(cString: curl_easy_strerror(code))
        let text = detail.isEmpty ? generic : "\(generic): \(detail)"
        return URLRedaction.redactingURLs(in: text)
    }

    private static let onBody: evalgate_curl_data_callback = { data, size, count, userdata in
        guard let data, let userdata else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        if transfer.body.count + length > transfer.limit {
            transfer.tooLarge = true
            return 0  // makes libcurl stop with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            transfer.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
        }
        return length
    }

    /// One line of the response head as libcurl hands it over: a status line starts a new
    /// response (after 100 Continue or a redirect); a header is kept with its name in lower case
    /// and its value without the spaces, tabs and line end around it (HTTP's OWS). Read as bytes:
    /// through Foundation's `trimmingCharacters` and `lowercased`, headers were 3% of a network
    /// run's CPU, and a real API sends a dozen or more a response.
    func addHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        if line.count >= 5, line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"), line[3] == UInt8(ascii: "P"),
            line[4] == UInt8(ascii: "/")
        {
            headerLines.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = colon + 1, end = line.count
        while start < end && isSpace(line[start]) { start += 1 }
        while end > start && isSpace(line[end - 1]) { end -= 1 }
        let name = String(decoding: line[..<colon].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        headerLines.append((name, String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)))
    }

    private static let onHeader: evalgate_curl_data_callback = { data, size, count, userdata in
        guard let data, let userdata else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        data.withMemoryRebound(to: UInt8.self, capacity: length) { start in
            transfer.addHeaderLine(UnsafeBufferPointer(start: start, count: length))
        }
        return length
    }
}
