"""Detectors: plain functions that turn project facts into findings, and the engine."""
