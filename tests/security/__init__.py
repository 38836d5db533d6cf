"""Security suite: IDOR matrix, CSRF, stored XSS, headers, throttling, upload limits."""
