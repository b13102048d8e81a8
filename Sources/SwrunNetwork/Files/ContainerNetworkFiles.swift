/// The files a container's network view needs, in docker's formats: /etc/hosts and
/// /etc/resolv.conf (docker 28's libnetwork: `etchosts`, `internal/resolvconf`), and the
/// `--add-host` values that feed the first.
public enum ContainerNetworkFiles {
    /// The lines every container's /etc/hosts starts with.
    /// docker ≥ 25 formats the two `::0` addresses as `fe00::` and `ff00::`: same meaning.
    public static let localhostLines = """
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        ff00::0\tip6-mcastprefix
        ff02::1\tip6-allnodes
        ff02::2\tip6-allrouters

        """

    /// docker's container /etc/hosts: the localhost lines, each `--add-host` entry
    /// ("IP\tNAME", in the order given), then "IP\tHOSTNAME" for each of the container's
    /// addresses (plain, without a prefix length). A hostname with a dot ("web.example",
    /// or `--hostname web --domainname example` joined by the caller) is followed by its
    /// first label, as docker writes it; `aliases` follow on the same lines (docker
    /// itself writes none: pass [] to match it).
    public static func hosts(hostname: String, addresses: [String], aliases: [String], extraHosts: [HostEntry]) -> String {
        var text = localhostLines
        for entry in extraHosts { text += entry.address + "\t" + entry.name + "\n" }
        var names = [hostname]
        if let dot = hostname.firstIndex(of: "."), dot != hostname.startIndex { names.append(String(hostname[..<dot])) }
        for alias in aliases where !names.contains(alias) { names.append(alias) }
        let joined = names.joined(separator: " ")
        for address in addresses { text += address + "\t" + joined + "\n" }
        return text
    }
}
