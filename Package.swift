// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swrun",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swrun", targets: ["swrun"]),
        .executable(name: "swrun-init", targets: ["swrun-init"]),
        .executable(name: "swrun-oci", targets: ["swrun-oci"]),
        .executable(name: "swrun-net", targets: ["swrun-net"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
    ],
    targets: [
        // C: raw syscalls without glibc wrappers, variadic calls, the spawn path.
        .target(name: "CSwrun"),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0", providers: [.apt(["libnl-route-3-dev"])]),
        .systemLibrary(name: "CNftables", pkgConfig: "libnftables", providers: [.apt(["libnftables-dev"])]),

        .target(name: "SwrunOS", dependencies: ["CSwrun"]),
        .target(name: "SwrunSecurity", dependencies: ["SwrunOS", "CSeccomp", "CCap"]),
        .target(name: "SwrunCgroups", dependencies: ["SwrunOS", "CSwrun"]),
        .target(name: "SwrunOCI", dependencies: ["SwrunOS"]),
        // SHA-256 digests (swift-crypto, which brings Foundation): kept out of SwrunOCI
        // so that swrun-oci links neither.
        .target(name: "SwrunDigest", dependencies: ["SwrunOCI", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "SwrunLayer", dependencies: ["SwrunDigest", "SwrunOS", "CSwrun", "CArchive", "CDeflate"]),
        .target(name: "SwrunImage", dependencies: ["SwrunOCI", "SwrunDigest", "SwrunLayer", "SwrunOS", "SwrunRegistry"]),
        // The OCI distribution protocol: HTTP, auth challenges, credentials, config.
        .target(name: "SwrunRegistry", dependencies: [
            "SwrunOCI", "SwrunDigest", "SwrunOS",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "SwrunRuntime", dependencies: [
            "SwrunOS", "SwrunCgroups", "SwrunSecurity", "SwrunOCI", "SwrunJSON", "SwrunNetwork", "CSwrun",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The one JSON reader (a pull parser, no dependencies): GoTemplate builds its values
        // with it, SwrunRuntime reads json-file log lines with it.
        .target(name: "SwrunJSON"),
        // Go text/template, the subset docker's --format uses.
        .target(name: "GoTemplate", dependencies: ["SwrunJSON"]),
        // Linked fully static in release builds, libarchive's own dependencies named
        // (pkg-config --static): no dynamic loader, no 17 shared libraries to map and
        // relocate at every start (`swrun --version` 3.5 ms instead of 6.8 ms here).
        .executableTarget(
            name: "swrun",
            dependencies: [
                "SwrunImage", "SwrunLayer", "SwrunRuntime", "SwrunOCI", "SwrunOS", "GoTemplate", "SwrunRegistry", "SwrunNetwork",
                "SwrunBuild", "SwrunDockerfile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: [.unsafeFlags(
                ["-static-executable"] + ["nettle", "acl", "lzma", "zstd", "lz4", "bz2", "z", "xml2", "icuuc", "icudata", "m"]
                    .flatMap { ["-Xlinker", "-l" + $0] },
                .when(configuration: .release))]),
        // The OCI runtime with runc's command line: a second front end of SwrunRuntime.
        // Linked fully static: every call is one short process (a shim calls it several
        // times per container), and a static binary starts without the dynamic loader's
        // relocations: --version in 1.6 ms instead of 2.8 ms here (release builds).
        .executableTarget(
            name: "swrun-oci", dependencies: ["SwrunRuntime", "SwrunOCI", "SwrunOS", "SwrunSecurity", "SwrunCgroups"],
            // Release only: a debug build keeps Foundation's unused references, which a
            // static link cannot resolve without dead stripping.
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(configuration: .release))]),
        // swrun-init's container setup steps, behind a syscall layer the unit tests swap.
        .target(name: "SwrunInitCore", dependencies: ["SwrunOS", "CSwrun"]),
        // Single-threaded container setup: no Foundation, no Dispatch, no async.
        // Linked fully static: it starts in well under a millisecond and, as the
        // long-lived monitor of every container, maps as little as possible.
        .executableTarget(
            name: "swrun-init", dependencies: ["SwrunInitCore", "SwrunOS", "CSwrun"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]),

        // The Dockerfile language: parser, BuildKit's shell-word expansion, .dockerignore
        // patterns. Pure logic, no file system.
        .target(name: "SwrunDockerfile", dependencies: ["SwrunOS", "SwrunOCI", "GoTemplate"]),
        // `swrun build`: the build context, COPY/ADD, the step cache, the stage executor
        // (RUN steps are containers of the core, steps become layers of the store).
        .target(name: "SwrunBuild", dependencies: [
            "SwrunDockerfile", "SwrunImage", "SwrunLayer", "SwrunDigest", "SwrunRuntime", "SwrunOCI", "SwrunOS", "GoTemplate",
        ]),

        // Networks, allocations, port specs, the container's /etc files: store logic, no kernel.
        .target(name: "SwrunNetwork", dependencies: ["SwrunOS"]),
        // The kernel side of networking: namespaces, links (libnl), firewall (libnftables), DNS.
        .target(name: "SwrunNetworkKernel", dependencies: ["SwrunNetwork", "SwrunOS", "CSwrun", "CNetlink", "CNftables"]),
        // Linked dynamically: Debian ships libnftables only as a shared library, and a
        // static swrun cannot load it. swrun and the monitor run it per container.
        .executableTarget(name: "swrun-net", dependencies: ["SwrunNetworkKernel", "SwrunNetwork", "SwrunOS"]),

        .testTarget(name: "SwrunUnitTests", dependencies: [
            "SwrunOCI", "SwrunDigest", "SwrunLayer", "SwrunImage", "SwrunRuntime", "SwrunCgroups",
            "SwrunSecurity", "SwrunOS", "SwrunJSON", "GoTemplate", "SwrunRegistry", "SwrunInitCore", "swrun",
            "SwrunNetwork", "SwrunNetworkKernel", "SwrunDockerfile", "SwrunBuild",
        ]),
        .testTarget(name: "SwrunIntegrationTests", dependencies: ["SwrunOS"]),
    ]
)

// Release code reaches generic types' metadata through direct accessors, not by mangled
// name: a mangled name is resolved at run time, and each generic requirement it carries
// (`KeyedDecodingContainer<CodingKeys>` needs `CodingKeys: CodingKey`) is checked by a
// scan of the binary's ~10,000 protocol conformance records the first time. Every
// Codable type on the start path paid one: about 2 ms of a 15 ms `run --rm` here.
for target in package.targets where [.regular, .executable].contains(target.type) && target.name != "CSwrun" {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release)),
    ]
}
