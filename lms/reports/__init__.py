"""Class reports: completion exports to JSON, CSV, XLSX and PDF (pure, no app or database)."""
