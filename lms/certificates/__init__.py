"""Certificates: PDF rendering, signing and verification."""
