"""The static plan: binary format (format), writer, reader/validator, C code generator,
the host runtime binding (host), and the compile flow (compiler). docs/plan-format.md."""
