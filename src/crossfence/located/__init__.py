"""YAML documents whose every field knows its `file:line:col`: rapidyaml where it reads as ruamel would, else ruamel.

- `location`: `Location` (resolved on first use) and `located()`, a `Problem` at a location;
- `files`: `list_files` (the regular files a path stands for, read whole or refused) and
  `read_text` (bounded, never blocking on a FIFO);
- `guard`: what no reader accepts (control characters, tags outside the core schema, nesting,
  alias expansion, integer and file size limits), refused with a line and column;
- `rapid`: rapidyaml's private API behind a self-test, or None (every reader then uses ruamel);
- `fastyaml`: `read_fast`, rapidyaml with libyaml's reading and locations, or None to fall back;
- `yamlsource`: `read_files`/`read_documents` of a file or folder, and the ruamel reader it
  falls back to.

The Kubernetes manifest loader and the blueprint loader both read with it; importing it costs
neither NumPy nor pydantic.
"""
