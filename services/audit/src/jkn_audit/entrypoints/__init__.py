"""HTTP and command-line faces of the audit trail."""
