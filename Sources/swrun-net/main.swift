// swrun-net: sets up and tears down a container's network (netlink, nftables, DNS).
// A program of its own because libnftables comes only as a shared library and swrun
// links fully static; swrun runs it for `run`, the monitor runs it when a container ends.
print("swrun-net: not yet")
