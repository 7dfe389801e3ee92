"""HTTP glue shared by both emulated APIs: requests, replies, the WSGI app."""
