"""Uploaded files never touch the disk unencrypted.

Django writes uploads larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file before the
view runs. Intake views swap in a handler that keeps every file in memory and, past the size
limit, keeps only enough bytes to tell the person the file is too large. Swapping handlers must
happen before the CSRF check reads the body, so the check runs inside (``csrf_protect``).
"""

from __future__ import annotations

import io
from functools import wraps

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from whistleblowing.files import max_bytes, max_count


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keeps each file in memory up to the size cap, and no bytes of files past the count cap
    (Django still parses up to DATA_UPLOAD_MAX_NUMBER_FILES parts, buffering none of them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.files_seen = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.files_seen += 1
        self.buffer = io.BytesIO()
        self.keep = max_bytes() + 1 if self.files_seen <= max_count() + 1 else 0

    def receive_data_chunk(self, raw_data, start):
        room = self.keep - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])
        return None  # past the limit the rest is read and dropped

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.buffer.getbuffer().nbytes,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def memory_uploads(view):
    """Decorate an intake view (outermost): files stay in memory, CSRF is still enforced."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.upload_handlers = [BoundedMemoryUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapped)
