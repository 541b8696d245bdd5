"""The packet-set algebra: exact sets of addresses, services and packets, and their NumPy form (the lowest floor, beside `located/`)."""
