"""Load CSV files into the target: userfile + IMPORT INTO, or COPY FROM; phases and constraints."""
