import CCrypto
import Glibc

/// SHA-256 digests, computed by OpenSSL's libcrypto.
public enum SHA256 {
    /// The lowercase hexadecimal SHA-256 of `bytes` (64 characters).
    public static func hex<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = bytes.withContiguousStorageIfAvailable { buffer in
            evalgate_sha256(buffer.baseAddress, buffer.count, &digest)
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            evalgate_sha256(buffer.baseAddress, buffer.count, &digest)
        }
        // EVP_Digest fails only when libcrypto cannot allocate a context; the digest would be zeros.
        precondition(ok == 1, "libcrypto could not compute a SHA-256 digest")
        return hexString(digest)
    }

    /// The lowercase hexadecimal SHA-256 of the file at `path`, read a piece at a time (never
    /// held whole); nil when it cannot be opened or read, or is a folder.
    public static func hex(ofFileAt path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        var digest = [UInt8](repeating: 0, count: 32)
        let outcome = evalgate_sha256_file(descriptor, &digest)
        if outcome < 0 { return nil }
        precondition(outcome == 1, "libcrypto could not compute a SHA-256 digest")
        return hexString(digest)
    }

    /// The lowercase hexadecimal SHA-256 of the UTF-8 bytes of `text`.
    public static func hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex($0) }
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256 {
    /// The 32-byte SHA-256 digest of the UTF-8 bytes of `text`.
    public static func digest(_ text: String) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var text = text
        let ok = text.withUTF8 { buffer in evalgate_sha256(buffer.baseAddress, buffer.count, &digest) }
        precondition(ok == 1, "libcrypto could not compute a SHA-256 digest")
        return digest
    }
}
