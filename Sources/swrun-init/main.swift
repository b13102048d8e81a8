print("swrun-init")
