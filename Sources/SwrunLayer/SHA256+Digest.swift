import Crypto

extension SHA256 {
    /// The finished hash as an OCI digest string, "sha256:<hex>".
    consuming func finalizeDigestString() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = Array("sha256:".utf8)
        for byte in finalize() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
