// Networks, address and port allocations, and the files a container's network needs:
// the store's side of networking, no kernel calls (those are SwrunNetworkKernel's).
