"""FOCUS CSV in columnar form: the fast path of a strict import, batch by batch through pyarrow.

The row parser (``parse_file``) is the definition of what a file means; this module reads the
files it can prove it reads identically, a record batch at a time (flat memory), and says
``NotColumnar`` for anything else, so the caller reads the file through the row parser instead,
which accepts it the same way or refuses it naming file, row and column. Values are validated
as columns: amounts by the strict pattern over the whole column, dates, currencies and tags by
the row parser's own functions applied once to each distinct value (a file repeats a few hundred
timestamps and tag sets over a million rows). Amounts are converted exactly: canonical decimal
text for storage and ``decimal128`` for sums, refused (``NotColumnar``) where a batch's sums
could come near 38 digits, which the row path then sums in Python's exact context.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from integrations.billing import focus
from integrations.billing.common import (
    ParseOptions,
    RowProblem,
    datetime_of,
    month_start,
    parse_currency,
    parse_tags,
    text_or_blank,
)

BLOCK_BYTES = 8 * 1024 * 1024
SCAN_BYTES = 8 * 1024 * 1024
HASH_CHUNK_BYTES = 1024 * 1024
MAX_DIGITS = 38  # decimal128
STRICT_AMOUNT = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$"
TEXT_COLUMNS = (
    "BillingAccountId", "SubAccountId", "InvoiceIssuerName", "ChargeCategory", "ServiceName",
    "RegionId", "Region", "ResourceId", "SkuId",
)  # fmt: skip
NULL_WORDS = pa.array(["NULL", "null"])
STRICT = ParseOptions()


class NotColumnar(Exception):
    """This file (or batch) must go through the row parser; the reason is for logs and tests."""


@dataclass
class Coded:
    """A column as distinct values and, per row, the index of its value."""

    values: list[Any]
    indices: pa.Array

    def take(self, convert: Callable[[Any], Any], kind: pa.DataType | None = None) -> pa.Array:
        return pc.take(pa.array([convert(v) for v in self.values], kind), self.indices)


@dataclass
class FocusBatch:
    """One batch of validated rows; text is untruncated, amounts canonical decimal text."""

    first_row: int  # spreadsheet row number of the batch's first record
    size: int
    text: dict[str, pa.Array]  # provider, publisher, source_name and the TEXT_COLUMNS fields
    charge_start: Coded  # aware UTC datetimes
    charge_end: Coded  # aware UTC datetimes or None
    period: Coded  # first day of the billing period
    currency: Coded
    tags: Coded  # (tags text, team)
    billed: pa.Array  # canonical decimal text
    effective: pa.Array
    listed: pa.Array  # canonical decimal text or null
    billed_sum: pa.Array  # decimal128, for exact sums
    effective_sum: pa.Array
    billed_scale: pa.Array  # digits after the point of each amount as written
    effective_scale: pa.Array
    whole_digits: int  # the most digits before the point (sign included) of any amount


class ByteScan:
    """Fed a file's bytes in order (while they are hashed): why the row parser must read it.

    A NUL byte anywhere (the row parser refuses it naming row and column), UTF-16, and a quote
    the CSV module in strict mode refuses but pyarrow reads (``"b"c`` is ``bc`` to pyarrow):
    a quote between two ordinary bytes, or an empty quoted field followed by one. Quotes are
    found with numpy, a pass over the bytes in C. Blank lines need no scan: the columnar
    reader fails on them and the row parser then reads the file as it always has.
    """

    def __init__(self) -> None:
        self.reason: str | None = None
        self.first = True
        self.tail = b"\n"  # the file starts as after a line break

    def feed(self, chunk: bytes) -> None:
        if self.reason is not None or not chunk:
            return
        if self.first and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
            self.reason = "UTF-16"
        self.first = False
        if b"\x00" in chunk:  # one byte: a memchr, fast
            self.reason = "NUL byte"
        elif b'"' in chunk or b'"' in self.tail:
            window = self.tail + chunk
            if _stray_quote(window):
                self.reason = "a quote the strict CSV reader refuses"
            self.tail = window[-3:]
        else:
            self.tail = (self.tail + chunk)[-3:]

    def finish(self) -> None:
        """The last bytes: as if a line break followed."""
        self.feed(b"\n\n")


_SPECIAL = np.zeros(256, dtype=bool)
_SPECIAL[[ord('"'), ord(","), ord("\n"), ord("\r")]] = True
_FIELD_START = np.zeros(256, dtype=bool)
_FIELD_START[[ord(","), ord("\n"), ord("\r")]] = True


def _stray_quote(window: bytes) -> bool:
    """Quotes at positions 1 .. len-3 of ``window`` (the rest are judged with the next window)."""
    data = np.frombuffer(window, dtype=np.uint8)
    at = np.flatnonzero(data == ord('"'))
    at = at[(at >= 1) & (at < len(data) - 2)]
    if not at.size:
        return False
    before, after, second = data[at - 1], data[at + 1], data[at + 2]
    between_ordinary = ~_SPECIAL[before] & ~_SPECIAL[after]
    empty_then_ordinary = _FIELD_START[before] & (after == ord('"')) & ~_SPECIAL[second]
    return bool(np.any(between_ordinary | empty_then_ordinary))


def file_sha256(path: Path, scan: ByteScan | None = None) -> str:
    """The file's SHA-256; ``scan`` sees the same bytes (one read serves both)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
            if scan is not None:
                scan.feed(chunk)
    if scan is not None:
        scan.finish()
    return digest.hexdigest()


def can_read(path: Path) -> str | None:
    """Why the columnar reader cannot read this file as the row parser would, or None."""
    scan = ByteScan()
    with path.open("rb") as fh:
        while chunk := fh.read(SCAN_BYTES):
            scan.feed(chunk)
    scan.finish()
    return scan.reason


def focus_batches(
    path: Path, header: Sequence[str], tag_keys: Sequence[str]
) -> Iterator[FocusBatch]:
    """Validated batches of a strict FOCUS CSV whose header the row parser already checked."""
    names = set(header)
    if focus.missing_columns(names):
        raise NotColumnar("missing columns")
    provider_col = "ProviderName" if "ProviderName" in names else "ServiceProviderName"
    publisher_col = "PublisherName" if "PublisherName" in names else provider_col
    optional = ("EffectiveCost", "ListCost", "ChargePeriodEnd", "Tags", *TEXT_COLUMNS)
    wanted = [*focus.REQUIRED, provider_col, publisher_col, *(c for c in optional if c in names)]
    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(
                column_names=list(header),
                skip_rows=1,
                block_size=BLOCK_BYTES,
                use_threads=False,  # one core each for parsing and writing beats threads here
            ),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(dict.fromkeys(wanted)),
                column_types={c: pa.string() for c in wanted},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise NotColumnar(str(exc)) from None
    convert = _Converter(provider_col, publisher_col, names, tag_keys)
    row = 2
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise NotColumnar(str(exc)) from None
        if batch.num_rows:
            yield convert(batch, row)
            row += batch.num_rows


class _Converter:
    """Per-file state: distinct values already converted, kept across batches."""

    def __init__(
        self, provider_col: str, publisher_col: str, names: set[str], tag_keys: Sequence[str]
    ) -> None:
        self.provider_col, self.publisher_col = provider_col, publisher_col
        self.names, self.tag_keys = names, tuple(tag_keys)
        self.cache: dict[tuple[str, str], Any] = {}

    def coded(self, column: pa.Array, name: str, convert: Callable[[str], Any]) -> Coded:
        encoded = pc.dictionary_encode(column)
        values = []
        for text in encoded.dictionary.to_pylist():
            key = (name, text)
            found = self.cache.get(key, self)
            if found is self:
                try:
                    found = convert(text)
                except RowProblem as exc:
                    raise NotColumnar(f"{name}: {exc.problem}") from None
                if len(self.cache) < 200_000:
                    self.cache[key] = found
            values.append(found)
        return Coded(values, encoded.indices)

    def __call__(self, batch: pa.RecordBatch, first_row: int) -> FocusBatch:
        cols = {name: batch.column(name) for name in batch.schema.names}
        size = batch.num_rows
        blank = pa.array([""] * size, pa.string())
        text = {c: _text(cols[c]) if c in cols else blank for c in TEXT_COLUMNS}
        region = cols.get("RegionId")
        if region is not None and "Region" in cols:  # RegionId, else Region (as the row parser)
            region = pc.if_else(pc.equal(region, ""), cols["Region"], region)
        text["RegionId"] = _text(region) if region is not None else text["Region"]
        provider = _text(cols[self.provider_col])
        if pc.any(pc.equal(provider, "")).as_py():
            raise NotColumnar("blank provider")
        publisher = _text(cols[self.publisher_col])
        text["provider"], text["publisher"] = provider, publisher
        text["source_name"] = pc.if_else(pc.equal(publisher, ""), provider, publisher)
        category = text["ChargeCategory"]
        text["ChargeCategory"] = pc.if_else(pc.equal(category, ""), "Usage", category)
        billed, billed_scale = _amounts(cols["BilledCost"])
        effective, effective_scale = billed, billed_scale
        if "EffectiveCost" in cols:  # the NULL literal means the billed cost
            raw = cols["EffectiveCost"]
            effective, effective_scale = _amounts(
                pc.if_else(pc.equal(raw, "NULL"), cols["BilledCost"], raw)
            )
        listed = pa.nulls(size, pa.string())
        if "ListCost" in cols:
            listed = _optional_amounts(cols["ListCost"])
        none = Coded([None], pa.array([0] * size, pa.int32()))
        end = cols.get("ChargePeriodEnd")
        raw_tags = cols.get("Tags")
        return FocusBatch(
            first_row=first_row,
            size=size,
            text=text,
            charge_start=self.coded(
                cols["ChargePeriodStart"], "ChargePeriodStart", _moment("ChargePeriodStart")
            ),
            charge_end=none if end is None else self.coded(end, "ChargePeriodEnd", _end_moment),
            period=self.coded(cols["BillingPeriodStart"], "BillingPeriodStart", _period),
            currency=self.coded(cols["BillingCurrency"], "BillingCurrency", _currency),
            tags=Coded([("", "")], none.indices)
            if raw_tags is None
            else self.coded(raw_tags, "Tags", self._tags),
            billed=billed,
            effective=effective,
            listed=listed,
            billed_sum=_decimal(billed, billed_scale, size),
            effective_sum=_decimal(effective, effective_scale, size),
            whole_digits=max(_whole_digits(billed), _whole_digits(effective)),
            billed_scale=billed_scale,
            effective_scale=effective_scale,
        )

    def _tags(self, raw: str) -> tuple[str, str]:
        tags, tags_text = parse_tags(raw, "Tags", STRICT)
        return tags_text, team_from_tags(tags, self.tag_keys)


def team_from_tags(tags: dict[str, str], tag_keys: Sequence[str]) -> str:
    """The first configured tag key present (exact, then casefolded): the row's team."""
    if not tags:
        return ""
    for key in tag_keys:
        value = tags.get(key)
        if value:
            return value
    folded = {k.casefold(): v for k, v in tags.items()}
    for key in tag_keys:
        value = folded.get(key.casefold())
        if value:
            return value
    return ""


def _text(column: pa.Array) -> pa.Array:
    """``text_or_blank`` over a column: the NULL literal is blank."""
    return pc.if_else(pc.is_in(column, value_set=NULL_WORDS), "", column)


def _moment(column: str) -> Callable[[str], datetime]:
    return lambda text: datetime_of(text, column, STRICT)


def _end_moment(text: str) -> datetime | None:
    if text in ("NULL", ""):
        return None
    return datetime_of(text, "ChargePeriodEnd", STRICT)


def _period(text: str) -> date:
    return month_start(datetime_of(text, "BillingPeriodStart", STRICT))


def _currency(text: str) -> str:
    return parse_currency(text_or_blank(text), "BillingCurrency", STRICT)


def _amounts(column: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Canonical decimal text (as ``format(Decimal(text), 'f')``) and each value's scale."""
    if not pc.all(pc.match_substring_regex(column, STRICT_AMOUNT)).as_py():
        raise NotColumnar("an amount the strict pattern refuses")
    if pc.any(pc.match_substring_regex(column, r"^\+|^-?0[0-9]|^-?\.|\.$")).as_py():
        column = pc.replace_substring_regex(column, r"^\+", "")
        column = pc.replace_substring_regex(column, r"^(-?)0+([0-9])", r"\1\2")
        column = pc.replace_substring_regex(column, r"^(-?)\.", r"\10.")
        column = pc.replace_substring_regex(column, r"\.$", "")
    point = pc.find_substring(column, ".")
    length = pc.utf8_length(column)
    scale = pc.if_else(pc.less(point, 0), 0, pc.subtract(pc.subtract(length, point), 1))
    return column, pc.cast(scale, pa.int32())


def _optional_amounts(column: pa.Array) -> pa.Array:
    nulls = pc.or_(pc.is_in(column, value_set=pa.array(["", "NULL", "null"])), pc.equal(column, ""))
    present = pc.if_else(nulls, "0", column)
    canonical, _scale = _amounts(present)
    return pc.if_else(nulls, pa.scalar(None, pa.string()), canonical)


def _whole_digits(column: pa.Array) -> int:
    point = pc.find_substring(column, ".")
    whole = pc.if_else(pc.less(point, 0), pc.utf8_length(column), point)
    return int(pc.max(whole).as_py() or 1)


def _decimal(column: pa.Array, scale: pa.Array, rows: int) -> pa.Array:
    """Amounts as decimal128 at the batch's largest scale; NotColumnar if a sum could overflow."""
    top = pc.max(scale).as_py() or 0
    digits = _whole_digits(column) + top + len(str(rows)) + 1
    if digits > MAX_DIGITS:
        raise NotColumnar("amounts too large for decimal128 sums")
    return pc.cast(column, pa.decimal128(MAX_DIGITS, top))
