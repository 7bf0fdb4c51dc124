"""One module per ``kg`` command (or group of related commands)."""
