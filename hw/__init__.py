"""Homework programs built on mytorch."""
