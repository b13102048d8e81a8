import Foundation
import Testing
@testable import SwrunOCI
import SwrunOS

@Suite("RuntimeSpec")
struct RuntimeSpecTests {
    /// `runc spec` from runc 1.1.5 (Debian 12), copied verbatim but for tabs.
    static let runcSpec = #"""
        {
          "ociVersion": "1.0.2-dev",
          "process": {
            "terminal": true,
            "user": {
              "uid": 0,
              "gid": 0
            },
            "args": [
              "sh"
            ],
            "env": [
              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "TERM=xterm"
            ],
            "cwd": "/",
            "capabilities": {
              "bounding": [
                "CAP_AUDIT_WRITE",
                "CAP_KILL",
                "CAP_NET_BIND_SERVICE"
              ],
              "effective": [
                "CAP_AUDIT_WRITE",
                "CAP_KILL",
                "CAP_NET_BIND_SERVICE"
              ],
              "permitted": [
                "CAP_AUDIT_WRITE",
                "CAP_KILL",
                "CAP_NET_BIND_SERVICE"
              ],
              "ambient": [
                "CAP_AUDIT_WRITE",
                "CAP_KILL",
                "CAP_NET_BIND_SERVICE"
              ]
            },
            "rlimits": [
              {
                "type": "RLIMIT_NOFILE",
                "hard": 1024,
                "soft": 1024
              }
            ],
            "noNewPrivileges": true
          },
          "root": {
            "path": "rootfs",
            "readonly": true
          },
          "hostname": "runc",
          "mounts": [
            {
              "destination": "/proc",
              "type": "proc",
              "source": "proc"
            },
            {
              "destination": "/dev",
              "type": "tmpfs",
              "source": "tmpfs",
              "options": [
                "nosuid",
                "strictatime",
                "mode=755",
                "size=65536k"
              ]
            },
            {
              "destination": "/dev/pts",
              "type": "devpts",
              "source": "devpts",
              "options": [
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5"
              ]
            },
            {
              "destination": "/dev/shm",
              "type": "tmpfs",
              "source": "shm",
              "options": [
                "nosuid",
                "noexec",
                "nodev",
                "mode=1777",
                "size=65536k"
              ]
            },
            {
              "destination": "/dev/mqueue",
              "type": "mqueue",
              "source": "mqueue",
              "options": [
                "nosuid",
                "noexec",
                "nodev"
              ]
            },
            {
              "destination": "/sys",
              "type": "sysfs",
              "source": "sysfs",
              "options": [
                "nosuid",
                "noexec",
                "nodev",
                "ro"
              ]
            },
            {
              "destination": "/sys/fs/cgroup",
              "type": "cgroup",
              "source": "cgroup",
              "options": [
                "nosuid",
                "noexec",
                "nodev",
                "relatime",
                "ro"
              ]
            }
          ],
          "linux": {
            "resources": {
              "devices": [
                {
                  "allow": false,
                  "access": "rwm"
                }
              ]
            },
            "namespaces": [
              {
                "type": "pid"
              },
              {
                "type": "network"
              },
              {
                "type": "ipc"
              },
              {
                "type": "uts"
              },
              {
                "type": "mount"
              }
            ],
            "maskedPaths": [
              "/proc/acpi",
              "/proc/asound",
              "/proc/kcore",
              "/proc/keys",
              "/proc/latency_stats",
              "/proc/timer_list",
              "/proc/timer_stats",
              "/proc/sched_debug",
              "/sys/firmware",
              "/proc/scsi"
            ],
            "readonlyPaths": [
              "/proc/bus",
              "/proc/fs",
              "/proc/irq",
              "/proc/sys",
              "/proc/sysrq-trigger"
            ]
          }
        }
        """#

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The document as plain JSON values, to look at what was written.
    static func tree(_ bytes: [UInt8]) throws -> JSONAny {
        try JSONDecoder().decode(JSONAny.self, from: Data(bytes))
    }

    static func member(_ value: JSONAny, _ path: String...) -> JSONAny? {
        var current: JSONAny? = value
        for name in path {
            guard case .object(let members)? = current else { return nil }
            current = members[name]
        }
        return current
    }

    @Test("decodes runc's spec")
    func decodesRuncSpec() throws {
        let spec = try RuntimeSpec.decode(Self.json(Self.runcSpec))
        #expect(spec.ociVersion == "1.0.2-dev")
        #expect(spec.process?.terminal == true)
        #expect(spec.process?.user == RuntimeSpec.User(uid: 0, gid: 0))
        #expect(spec.process?.args == ["sh"])
        #expect(spec.process?.cwd == "/")
        #expect(spec.process?.capabilities?.ambient == ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
        #expect(spec.process?.capabilities?.inheritable == nil)
        #expect(spec.process?.rlimits == [RuntimeSpec.Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)])
        #expect(spec.process?.noNewPrivileges == true)
        #expect(spec.root == RuntimeSpec.Root(path: "rootfs", readonly: true))
        #expect(spec.hostname == "runc")
        #expect(spec.mounts?.map(\.destination) == [
            "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup",
        ])
        #expect(spec.mounts?[0].options == nil)
        #expect(spec.mounts?[2].options == ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"])
        #expect(spec.linux?.resources?.devices == [RuntimeSpec.Resources.DeviceRule(allow: false, access: "rwm")])
        #expect(spec.linux?.namespaces?.map(\.type) == ["pid", "network", "ipc", "uts", "mount"])
        #expect(spec.linux?.maskedPaths?.count == 10)
        #expect(spec.linux?.readonlyPaths?.last == "/proc/sysrq-trigger")
        #expect(spec.extra.isEmpty && spec.process?.extra.isEmpty == true)
    }

    @Test("runcDefault is runc's spec with swrun's version, hostname and runc 1.2's sets")
    func runcDefaultMatchesRunc() throws {
        var runc = try RuntimeSpec.decode(Self.json(Self.runcSpec))
        // What runc 1.2 on cgroup v2 prints differently from 1.1.5: no ambient set,
        // a cgroup namespace.
        runc.ociVersion = "1.2.0"
        runc.hostname = "swrun"
        runc.process?.capabilities?.ambient = nil
        runc.linux?.namespaces?.append(RuntimeSpec.Namespace(type: "cgroup"))
        #expect(RuntimeSpec.runcDefault() == runc)
    }

    @Test("runcDefault(rootless:) makes runc's --rootless changes")
    func runcDefaultRootless() throws {
        let spec = RuntimeSpec.runcDefault(rootless: true)
        #expect(spec.linux?.namespaces?.map(\.type) == ["pid", "ipc", "uts", "mount", "cgroup", "user"])
        #expect(spec.linux?.uidMappings == [RuntimeSpec.IDMapping(containerID: 0, hostID: geteuid(), size: 1)])
        #expect(spec.linux?.gidMappings == [RuntimeSpec.IDMapping(containerID: 0, hostID: getegid(), size: 1)])
        #expect(spec.linux?.resources == nil)
        #expect(spec.mounts?.first { $0.destination == "/sys" } == RuntimeSpec.Mount(
            destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]))
        #expect(spec.mounts?.first { $0.destination == "/dev/pts" }?.options == [
            "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
        ])
        #expect(spec.mounts?.count == RuntimeSpec.runcDefault().mounts?.count)
    }

    @Test("decode → encode → decode gives the same spec, and the same bytes again")
    func roundTrip() throws {
        let spec = try RuntimeSpec.decode(Self.json(Self.runcSpec))
        for pretty in [false, true] {
            let bytes = try spec.encoded(pretty: pretty)
            let again = try RuntimeSpec.decode(bytes)
            #expect(again == spec)
            #expect(try again.encoded(pretty: pretty) == bytes)
        }
        #expect(try Self.tree(spec.encoded(pretty: false)) == Self.tree(Self.json(Self.runcSpec)))
        let compact = String(decoding: try spec.encoded(pretty: false), as: UTF8.self)
        #expect(compact.contains(#""PATH=/usr/local/sbin:/usr/local/bin"#), "slashes are not escaped")
    }

    @Test("a full document round trips member for member")
    func fullDocumentRoundTrip() throws {
        let text = #"""
            {"ociVersion": "1.2.0",
             "process": {"terminal": false, "consoleSize": {"height": 24, "width": 80},
                "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 10], "username": "u"},
                "args": ["/bin/true"], "commandLine": "true", "env": ["A=1"], "cwd": "/srv",
                "capabilities": {"bounding": ["CAP_CHOWN"], "inheritable": [], "ambient": ["CAP_KILL"]},
                "rlimits": [{"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}],
                "apparmorProfile": "p", "oomScoreAdj": -500, "selinuxLabel": "l",
                "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 1, "flags": ["SCHED_FLAG_RECLAIM"],
                   "runtime": 10000, "deadline": 20000, "period": 30000},
                "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
                "execCPUAffinity": {"initial": "0", "final": "1-3"}},
             "root": {"path": "/var/lib/rootfs"},
             "hostname": "h", "domainname": "d",
             "mounts": [{"destination": "/data", "type": "bind", "source": "/host", "options": ["rbind", "idmap"],
                "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}],
             "hooks": {"prestart": [{"path": "/bin/p"}], "createRuntime": [{"path": "/bin/c", "args": ["c", "x"],
                "env": ["K=v"], "timeout": 5}], "createContainer": [], "startContainer": [{"path": "/s"}],
                "poststart": [{"path": "/ps"}], "poststop": [{"path": "/pst"}]},
             "annotations": {"org.example": "v"},
             "linux": {"namespaces": [{"type": "network", "path": "/proc/1/ns/net"}, {"type": "time"}],
                "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                "timeOffsets": {"monotonic": {"secs": -86400, "nanosecs": 5}},
                "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438,
                   "uid": 0, "gid": 0}, {"type": "p", "path": "/dev/fifo"}],
                "cgroupsPath": "system.slice:swrun:abc",
                "resources": {"devices": [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
                   "memory": {"limit": 536870912, "reservation": 1, "swap": -1, "kernel": -1, "kernelTCP": 2,
                      "swappiness": 60, "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true},
                   "cpu": {"shares": 1024, "quota": -1, "burst": 0, "period": 100000, "realtimeRuntime": 950000,
                      "realtimePeriod": 1000000, "cpus": "0-3,7", "mems": "0", "idle": 1},
                   "pids": {"limit": -1},
                   "blockIO": {"weight": 500, "leafWeight": 300,
                      "weightDevice": [{"major": 8, "minor": 0, "weight": 600}],
                      "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                      "throttleWriteBpsDevice": [], "throttleReadIOPSDevice": [{"major": 8, "minor": 16, "rate": 10}],
                      "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 20}]},
                   "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
                   "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
                   "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
                   "unified": {"memory.high": "max"}},
                "intelRdt": {"closID": "g", "l3CacheSchema": "L3:0=7f", "memBwSchema": "MB:0=20",
                   "enableCMT": true, "enableMBM": false},
                "sysctl": {"net.ipv4.ip_forward": "1"},
                "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                   "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                   "listenerPath": "/run/agent.sock", "listenerMetadata": "m",
                   "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": 4294967295, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
                      {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]},
                "rootfsPropagation": "rslave", "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
                "mountLabel": "system_u:object_r:container_file_t:s0",
                "personality": {"domain": "LINUX32", "flags": []}}}
            """#
        let spec = try RuntimeSpec.decode(Self.json(text))
        #expect(try Self.tree(spec.encoded(pretty: false)) == Self.tree(Self.json(text)))
        #expect(spec.process?.ioPriority?.class == "IOPRIO_CLASS_BE")
        #expect(spec.process?.execCPUAffinity?.final == "1-3")
        #expect(spec.process?.rlimits?.first?.hard == UInt64.max)
        #expect(spec.linux?.devices?[0].fileMode == 0o666)
        #expect(spec.linux?.devices?[1].major == nil)
        #expect(spec.linux?.resources?.cpu?.quota == -1)
        #expect(spec.linux?.resources?.blockIO?.throttleWriteBpsDevice == [])
        #expect(spec.linux?.seccomp?.syscalls?[0].args?[0].value == 4_294_967_295)
        #expect(spec.linux?.timeOffsets?["monotonic"]?.secs == -86400)
        #expect(spec.extra.isEmpty)
    }

    @Test("members swrun does not know survive decode and encode, at the top and nested")
    func unknownMembersKept() throws {
        let text = #"""
            {"ociVersion": "1.3.0", "vm": {"kernel": {"path": "/vmlinuz"}, "hwconfig": {"vcpus": 2}},
             "futureTop": [1, -2.5, "x", null, true, {"big": 18446744073709551615}],
             "process": {"cwd": "/", "futureProcess": {"nested": [1e3]}},
             "linux": {"netDevices": {"eth1": {"name": "ctr1"}},
                "resources": {"memory": {"limit": 1048576, "futureMemory": 9223372036854775807}}}}
            """#
        let spec = try RuntimeSpec.decode(Self.json(text))
        #expect(spec.extra["futureTop"] == .array([
            .int(1), .double(-2.5), .string("x"), .null, .bool(true), .object(["big": .uint(UInt64.max)]),
        ]))
        #expect(spec.extra["vm"] == .object([
            "kernel": .object(["path": .string("/vmlinuz")]), "hwconfig": .object(["vcpus": .int(2)]),
        ]))
        #expect(spec.process?.extra.keys.sorted() == ["futureProcess"])
        #expect(spec.linux?.extra["netDevices"] == .object(["eth1": .object(["name": .string("ctr1")])]))
        #expect(spec.linux?.resources?.memory?.extra == ["futureMemory": .int(Int64.max)])
        #expect(spec.linux?.resources?.memory?.limit == 1_048_576)

        let written = try Self.tree(spec.encoded(pretty: true))
        #expect(written == (try Self.tree(Self.json(text))))
        #expect(Self.member(written, "linux", "resources", "memory", "futureMemory") == .int(Int64.max))
        #expect(Self.member(written, "process", "futureProcess", "nested") == .array([.int(1000)]))
        #expect(try RuntimeSpec.decode(spec.encoded(pretty: false)) == spec)
    }

    @Test("a known member wins over an extra entry of the same name")
    func knownMemberWinsOverExtra() throws {
        let root = RuntimeSpec.Root(path: "rootfs", extra: ["path": .string("elsewhere"), "x": .int(1)])
        let bytes = try OCIJSON.encode(root)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"path":"rootfs","x":1}"#)
    }

    @Test("nil members are not written")
    func nilMembersOmitted() throws {
        let spec = RuntimeSpec(ociVersion: "1.2.0", process: RuntimeSpec.Process(cwd: "/"), root: RuntimeSpec.Root(path: "r"))
        let text = String(decoding: try spec.encoded(pretty: false), as: UTF8.self)
        #expect(text == #"{"ociVersion":"1.2.0","process":{"cwd":"/"},"root":{"path":"r"}}"#)
    }

    @Test("integers stay exact")
    func integersExact() throws {
        let text = #"""
            {"ociVersion": "1.2.0", "linux": {"resources": {
               "memory": {"limit": 9223372036854771712, "swap": -1},
               "cpu": {"shares": 18446744073709551615, "quota": -9223372036854775808}}}}
            """#
        let spec = try RuntimeSpec.decode(Self.json(text))
        #expect(spec.linux?.resources?.memory?.limit == 9_223_372_036_854_771_712)
        #expect(spec.linux?.resources?.memory?.swap == -1)
        #expect(spec.linux?.resources?.cpu?.shares == UInt64.max)
        #expect(spec.linux?.resources?.cpu?.quota == Int64.min)
        let written = String(decoding: try spec.encoded(pretty: false), as: UTF8.self)
        #expect(written.contains(#""limit":9223372036854771712"#))
        #expect(written.contains(#""shares":18446744073709551615"#))
        #expect(written.contains(#""quota":-9223372036854775808"#))
    }

    @Test("a malformed document is corrupt config.json, naming where", arguments: [
        (#"{"ociVersion": "1.2.0", "process": {"#, "config.json: invalid JSON: "),
        (#"{"process": {"cwd": "/"}}"#, "config.json: invalid JSON: missing key ociVersion"),
        (#"{"ociVersion": "1.2.0", "process": {"cwd": 7}}"#, "config.json: invalid JSON: "),
        (#"{"ociVersion": "1.2.0", "linux": {"resources": {"memory": {"limit": 1.5}}}}"#, "config.json: invalid JSON: "),
        (#"{"ociVersion": "1.2.0", "linux": {"uidMappings": [{"containerID": 0, "hostID": -1, "size": 1}]}}"#,
         "config.json: invalid JSON: "),
        (#"[]"#, "config.json: invalid JSON: "),
    ])
    func malformed(_ text: String, prefix: String) {
        #expect {
            _ = try RuntimeSpec.decode(Self.json(text))
        } throws: { error in
            guard let error = error as? SwrunError else { return false }
            return error.code == .corrupt && error.message.hasPrefix(prefix)
        }
    }

    @Test("a type mismatch names the member")
    func mismatchNamesMember() {
        #expect {
            _ = try RuntimeSpec.decode(Self.json(#"{"ociVersion": "1.2.0", "process": {"cwd": 7}}"#))
        } throws: { error in
            (error as? SwrunError)?.message.hasSuffix(" at process.cwd") == true
        }
    }

    @Test("state JSON round trips, runc's members and unknown ones included")
    func stateRoundTrip() throws {
        // `runc state` output, plus a member runc does not write.
        let text = #"""
            {
              "ociVersion": "1.0.2-dev",
              "id": "web",
              "pid": 4422,
              "status": "running",
              "bundle": "/containers/web",
              "rootfs": "/containers/web/rootfs",
              "created": "2024-05-01T10:20:30.123456789Z",
              "owner": "",
              "annotations": {"myKey": "myValue"},
              "futureState": {"restarts": 2}
            }
            """#
        let state = try RuntimeState.decode(Self.json(text))
        #expect(state == RuntimeState(
            ociVersion: "1.0.2-dev", id: "web", status: "running", pid: 4422, bundle: "/containers/web",
            annotations: ["myKey": "myValue"], rootfs: "/containers/web/rootfs",
            created: "2024-05-01T10:20:30.123456789Z", owner: "",
            extra: ["futureState": .object(["restarts": .int(2)])]))
        #expect(try RuntimeState.decode(state.encoded(pretty: true)) == state)
        #expect(try Self.tree(state.encoded(pretty: false)) == Self.tree(Self.json(text)))

        let stopped = RuntimeState(ociVersion: "1.2.0", id: "a", status: "stopped", bundle: "/b")
        #expect(String(decoding: try stopped.encoded(pretty: false), as: UTF8.self)
            == #"{"bundle":"/b","id":"a","ociVersion":"1.2.0","status":"stopped"}"#)
        #expect(throws: SwrunError.self) { try RuntimeState.decode(Self.json(#"{"id": "a"}"#)) }
    }
}
