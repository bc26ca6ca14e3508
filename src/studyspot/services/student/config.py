"""Settings only the student service reads (env `STUDENT_*`): the limits of a register import."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from studyspot.kit.sandbox import SandboxLimits
from studyspot.kit.spreadsheets import MIB, SheetLimits


class StudentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STUDENT_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # The uploaded file itself (413 `file_too_large`).
    import_max_upload_bytes: int = Field(default=5 * MIB, ge=1024, le=100 * MIB)
    # What an .xlsx inflates to, and the text its cells expand to (413 `uncompressed_too_large`).
    import_max_uncompressed_bytes: int = Field(default=32 * MIB, ge=MIB, le=1024 * MIB)
    # Inflated over compressed size, per part and whole (422 `compression_ratio_too_high`).
    import_max_compression_ratio: int = Field(default=100, ge=2, le=10_000)
    # Students per file; every row index after the header counts, gaps and empty
    # rows included (422 `too_many_rows`).
    import_max_rows: int = Field(default=10_000, ge=1, le=1_000_000)
    # The file is read in a child process with these limits (422 `import_too_complex`).
    import_parse_seconds: int = Field(default=20, ge=1, le=600)
    import_parse_memory_bytes: int = Field(default=512 * MIB, ge=128 * MIB, le=16 * 1024 * MIB)
    # Files read at the same time by one instance; more wait their turn.
    import_parallel_reads: int = Field(default=2, ge=1, le=64)

    def sheet_limits(self) -> SheetLimits:
        return SheetLimits(
            max_upload_bytes=self.import_max_upload_bytes,
            max_uncompressed_bytes=self.import_max_uncompressed_bytes,
            max_compression_ratio=self.import_max_compression_ratio,
            max_rows=self.import_max_rows,
        )

    def sandbox_limits(self) -> SandboxLimits:
        return SandboxLimits(
            cpu_seconds=self.import_parse_seconds,
            wall_seconds=float(self.import_parse_seconds),
            memory_bytes=self.import_parse_memory_bytes,
            # JSON of the rows: at worst every character escaped as \\uXXXX.
            max_output_bytes=6 * self.import_max_uncompressed_bytes + MIB,
        )
