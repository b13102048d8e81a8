print("swrun")
