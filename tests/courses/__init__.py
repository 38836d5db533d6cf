"""Course content as files (lms.courses.files)."""
