"""What a column publishes besides text: derived images, attachments, QR codes.

The helpers here are pure (bytes or names in, values out; no file read or
written): `imaging` (Pillow), `svgsize`, `qrcode` (segno) and `attachments`.
"""
