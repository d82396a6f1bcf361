"""The dependency audit (make audit) and its advisory list; tooling, not a Django app."""
