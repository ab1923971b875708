"""Fakes of platforms at the network boundary (HTTP and websocket servers on 127.0.0.1)."""
