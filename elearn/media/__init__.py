"""Media files of courses behind one storage interface (local files or S3)."""
