print("regsweep")
