"""Photos of ledger entries, as a phone sends them and as they are kept.

An upload is checked before anything is stored: its size (settings.DUTY_PHOTO_MAX_MB) before it is read, then
that Pillow can really decode it as a photo (the file name and the browser's content type prove nothing), with
its pixel count bounded before decoding (a small file can declare a huge picture: a decompression bomb). What
is kept is a fresh JPEG at most settings.DUTY_PHOTO_PIXELS on its long side, turned upright as the camera's EXIF
says, and carrying no metadata at all: a phone's photo records where it was taken (GPS), the camera and the time.
"""

import io
import warnings
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# What phones and PCs send. HEIC (iPhone) arrives as JPEG: the browser converts it when a page uploads it.
FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"}
# Pixels a photo may declare: a 50-megapixel phone camera's full size, with room. Decoding one costs about
# 4 bytes a pixel; Pillow's own bomb guard (89 million, an error at twice that) is higher than we need.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85


def file_label(upload):
    return f"“{getattr(upload, 'name', '') or '照片'}”"


def check_count(count, already=0):
    limit = settings.DUTY_PHOTOS_PER_RECORD
    if count + already > limit:
        kept = f"（已有{already}张）" if already else ""
        raise ValidationError(f"照片太多：每条纪实最多{limit}张{kept}，这次选了{count}张。请少选几张。")


def prepare(upload):
    """The JPEG to keep for one upload, as a ContentFile; ValidationError naming the file if it is refused."""
    name = file_label(upload)
    limit = settings.DUTY_PHOTO_MAX_MB
    if upload.size > limit * 2**20:
        raise ValidationError(f"照片{name}太大（{upload.size / 2**20:.1f} MB），每张最多{limit} MB。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            data, size = _reencode(upload, name)
            content = ContentFile(data)
            content.pixels = size
            return content
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"{name}不是能识别的照片（请选择手机拍的 JPG 或 PNG 图片）。") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError):  # truncated or corrupt data
        raise ValidationError(f"照片{name}已损坏或不完整，无法打开，请重新选择。") from None


@contextmanager
def whole_images_only():
    """Refuse a truncated photo while it is decoded: WeasyPrint, once any PDF has been printed in this process,
    sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would keep half a photo padded with grey."""
    allowed = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = allowed


def _reencode(upload, name):
    upload.seek(0)
    with Image.open(upload) as image:
        if image.format not in FORMATS:
            raise ValidationError(f"{name}不是照片格式（{image.format}），请选择 JPG 或 PNG 图片。")
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(f"照片{name}的像素太多（{image.width}×{image.height}），请换一张。")
        side = settings.DUTY_PHOTO_PIXELS
        if image.format in ("JPEG", "MPO"):
            image.draft("RGB", (side, side))  # decode at a reduced scale: far less memory for a large photo
        with whole_images_only():
            image.load()
        upright = ImageOps.exif_transpose(image)
        if upright.mode in ("RGBA", "LA", "P", "PA"):
            upright = upright.convert("RGBA")
            flat = Image.new("RGB", upright.size, "white")  # transparency on white, as a photo prints
            flat.paste(upright, mask=upright.getchannel("A"))
            upright = flat
        elif upright.mode != "RGB":
            upright = upright.convert("RGB")
        upright.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # A fresh image has no info: nothing of the original's EXIF, XMP, ICC or comments is written.
        clean = Image.new("RGB", upright.size)
        clean.paste(upright)
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue(), clean.size


def prepare_all(uploads, already=0):
    """The JPEGs for a form's uploads, all or none: ValidationError with one message per refused file."""
    check_count(len(uploads), already)
    prepared, errors = [], []
    for upload in uploads:
        try:
            prepared.append(prepare(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return prepared


def save_photos(record, prepared):
    """Store the prepared JPEGs as the record's photos; on any failure remove the files already written, so that
    the rolled-back transaction leaves no file behind either."""
    from .models import DutyPhoto

    written = []
    try:
        for content in prepared:
            photo = DutyPhoto(record=record)
            photo.image.save("photo.jpg", content, save=False)
            written.append(photo.image.name)
            photo.width, photo.height = content.pixels
            photo.save()
    except BaseException:
        storage = DutyPhoto._meta.get_field("image").storage
        for name in written:
            storage.delete(name)
        raise
    return written
