"""The command line: `studyapp [COMMAND]`. Each command lives in its own module."""
