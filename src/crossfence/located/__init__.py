"""YAML documents whose every field knows its `file:line:col`: rapidyaml where it reads as ruamel would, else ruamel.

- `location`: `Location` (resolved on first use) and `located()`, a `Problem` at a location;
- `fastyaml`: `read_fast`, rapidyaml with libyaml's reading and locations, or None to fall back;
- `yamlsource`: `read_documents` of a file or folder, and the ruamel reader it falls back to.

The Kubernetes manifest loader and the blueprint loader both read with it; importing it costs
neither NumPy nor pydantic.
"""
