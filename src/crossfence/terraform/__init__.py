"""Terraform plans and state read into the blueprint: the format, references, overlays; each cloud's resource mappings live in its provider folder."""

from __future__ import annotations

from .read import TerraformFile, looks_like_terraform, read_file, read_text

__all__ = ["TerraformFile", "looks_like_terraform", "read_file", "read_text"]
