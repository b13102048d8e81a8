import CSwrun
import Glibc

/// docker-style "adjective_surname" names for containers started without --name.
enum NameGenerator {
    static let adjectives = [
        "admiring", "brave", "clever", "dazzling", "eager", "focused", "gifted", "happy", "jolly", "keen",
        "lucid", "modest", "nifty", "optimistic", "peaceful", "quirky", "relaxed", "serene", "tender", "upbeat",
        "vibrant", "wizardly", "youthful", "zealous",
    ]
    static let surnames = [
        "archimedes", "babbage", "curie", "dijkstra", "euclid", "fermat", "galois", "hopper", "lovelace", "knuth",
        "lamport", "mccarthy", "noether", "pike", "ritchie", "shannon", "thompson", "turing", "wozniak", "yalow",
    ]

    static func next() -> String {
        var bytes = [UInt8](repeating: 0, count: 4)
        _ = sw_getrandom(&bytes, 4)
        let a = adjectives[Int(bytes[0]) % adjectives.count]
        let s = surnames[Int(bytes[1]) % surnames.count]
        return "\(a)_\(s)_\(Int(bytes[2]) * 256 + Int(bytes[3]))"
    }
}
