"""Tiling into stages: row strips of op chains so intermediates never fully exist."""
