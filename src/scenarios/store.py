"""Result stores: write an ensemble block by block, resume it after a crash, finish it atomically.

An experiment's runs are split into *blocks*; each block is computed somewhere (see
:mod:`scenarios.executors`) and handed to a :class:`Store` with :meth:`Store.write_block`, in
any order. :meth:`Store.finalize` then checks that every block is there and returns the whole
ensemble as one :class:`xarray.Dataset`. :func:`open_store` picks the store:

``path=None``
    :class:`MemoryStore`: blocks are kept in memory and concatenated at the end.
NetCDF (``kind="netcdf"``, the default; a ``.nc`` path)
    :class:`NetCDFStore`: each block goes to its own part file ``PATH.parts/block-000123.nc``
    (written under a temporary name, synced, renamed); ``finalize`` concatenates the parts in
    block order into ``PATH`` (again temporary name, then rename) and removes the parts. For
    ensembles that fit in memory once, at the end.
Zarr (``kind="zarr"``, a ``.zarr`` directory)
    :class:`ZarrStore`: every block is written into its own region of one Zarr v3 store, so
    memory stays constant in the number of runs. For large ensembles.

The block-dataset contract
--------------------------
A *block* is an :class:`xarray.Dataset` holding the results of consecutive runs:

1. It has the *run dimension* ``dim`` (``"run"`` by default), of length >= 1. Every variable
   that varies across runs has this dimension (it is moved to the front when stored);
   variables without it (coordinates such as ``step`` or ``actor``, constants) must be equal in
   every block and are stored once.
2. Block ``b`` holds the runs ``b * block_size`` up to ``(b + 1) * block_size`` (exclusive):
   every block has exactly ``block_size`` runs, except the last, which may be shorter. Blocks
   are numbered ``0, 1, ..., n_blocks - 1`` without gaps; concatenating them in block order
   gives the runs in order. The memory and NetCDF stores only need the order (blocks may have
   any length); the Zarr store needs the fixed ``block_size`` to place each block.
3. If it has a coordinate named ``dim`` (recommended: the global run indices, integers), it is
   stored like any other variable along ``dim``; the stores never interpret it.
4. Every block has the same variables, with the same dtypes and the same sizes along the other
   dimensions. Strings may be fixed-width (``<U``) or Python objects; a block's ``attrs`` are
   ignored (the ensemble's attrs are given to :func:`open_store` and :meth:`Store.finalize`).

The result is the same whatever the block size, the executor or the order in which blocks
arrive: data variables are bitwise identical to ``xarray.concat(blocks, dim)`` of the blocks in
block order, and string variables come back as fixed-width unicode arrays of the smallest width
that holds them (``<U1`` at least) from every store.

Resume and crash safety
-----------------------
A block counts as complete only once it is durably on disk: the NetCDF part file has been
renamed into place, or the Zarr data has been written and synced and *then* a small marker
file ``PATH/.scenarios/blocks/block-000123.json`` has been written (temporary name, fsync,
rename). A process killed at any moment (``kill -9``) therefore leaves each block either
complete or not; ``open_store(path, resume=True)`` reports the complete ones in
:meth:`Store.completed_blocks` and the caller computes only the others. A part file that does
not open (truncated, corrupt) is removed and not counted. Writing a block that is already
complete is an error, so no block is stored twice.

A finished store is marked as such last (the final NetCDF file appears by an atomic rename; a
Zarr store gets ``PATH/.scenarios/complete.json`` after its metadata are consolidated), so a
half-written store never looks finished. Opening an unfinished store without ``resume=True``
raises :class:`UnfinishedStoreError`; opening a finished one for writing raises
:class:`FinishedStoreError` unless ``overwrite=True``. Resuming checks that the ensemble's
``attrs``, run dimension, block size and number of runs are those it was started with.

This module may import numpy, xarray and the standard library; ``zarr`` is imported only by
the Zarr store. It does not import the model.
"""

from __future__ import annotations

import abc
import contextlib
import json
import os
import re
import shutil
import warnings
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

import numpy as np
import xarray as xr

__all__ = [
    "RUN_DIM",
    "FinishedStoreError",
    "MemoryStore",
    "NetCDFStore",
    "Store",
    "StoreError",
    "UnfinishedStoreError",
    "ZarrStore",
    "load_store",
    "open_store",
]

#: The default run dimension of block datasets.
RUN_DIM: Final = "run"
#: Version of the bookkeeping files (manifest, markers); bumped if their layout changes.
STORE_FORMAT: Final = 1
#: Directory of a Zarr store holding our bookkeeping (manifest, block markers, complete marker).
_META_DIR: Final = ".scenarios"
_MANIFEST: Final = "store.json"
_COMPLETE: Final = "complete.json"
_BLOCK_RE: Final = re.compile(r"^block-(\d+)\.(nc|json)$")
_ZARR_INSTALL_HINT: Final = "pip install 'ir-scenarios[zarr]'"

StoreKind = Literal["memory", "netcdf", "zarr"]


class StoreError(RuntimeError):
    """A store cannot be opened, written or finished as asked."""


class UnfinishedStoreError(StoreError):
    """An unfinished ensemble is where a new one was to be written."""


class FinishedStoreError(StoreError, FileExistsError):
    """A finished ensemble is where a new one was to be written (or resumed)."""


def _unfinished_message(path: Path) -> str:
    return f"an unfinished ensemble is at {path}: rerun with --resume or remove it"


# ----------------------------------------------------------------------------- file helpers


def _fsync_path(path: Path) -> None:
    """Flush a file (or a directory's entries) to disk."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # a directory that cannot be opened on this platform
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that ``path`` either does not exist or is complete."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_path(path.parent)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"attrs value {value!r} of type {type(value).__name__} is not storable")


def _canonical(attrs: Mapping[str, Any]) -> str:
    """A canonical JSON text of ``attrs`` (to compare the attrs of a resumed ensemble)."""
    return json.dumps(dict(attrs), sort_keys=True, default=_json_default)


@contextlib.contextmanager
def _quiet_zarr() -> Iterator[None]:
    """Silence zarr's notes about our bookkeeping directory and consolidated metadata."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*not recognized as a component of a Zarr")
        warnings.filterwarnings("ignore", message=r".*Consolidated metadata is currently not")
        yield


# ------------------------------------------------------------------------ dataset helpers


def _normalize_strings(ds: xr.Dataset) -> xr.Dataset:
    """Every string variable as fixed-width unicode of the smallest width (``<U1`` at least).

    NetCDF and Zarr hand strings back as objects or numpy ``StringDType``; this makes every
    store return the same dtype as the in-memory concatenation.
    """
    out = ds
    for name, var in ds.variables.items():
        if var.dtype.kind in "OUT":
            values = np.asarray(var.values, dtype=object)
            if values.size and not all(isinstance(v, str) for v in values.flat):
                continue  # not a string variable
            fixed = values.astype(str) if values.size else np.asarray(values, dtype="<U1")
            out = out.assign({name: var.copy(data=fixed)}) if name in out.data_vars else (
                out.assign_coords({name: var.copy(data=fixed)}))
    return out


def _check_block(ds: xr.Dataset, dim: str, block_index: int) -> xr.Dataset:
    """The block, checked against the contract, with ``dim`` leading and no encodings."""
    if isinstance(block_index, bool) or not isinstance(block_index, int | np.integer):
        raise TypeError(f"block_index must be an int, got {block_index!r}")
    if block_index < 0:
        raise ValueError(f"block_index must be >= 0, got {block_index}")
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"block {block_index} must be an xarray.Dataset, got {type(ds).__name__}")
    if dim not in ds.dims or ds.sizes[dim] < 1:
        raise ValueError(
            f"block {block_index} has no runs: it needs the run dimension {dim!r} with length "
            f">= 1 (its dims are {dict(ds.sizes)})")
    return ds.transpose(dim, ...).drop_encoding()


def _split_static(ds: xr.Dataset, dim: str) -> tuple[xr.Dataset, list[Hashable]]:
    """The variables without ``dim`` (stored once), and the names of those along ``dim``."""
    static = [n for n, v in ds.variables.items() if dim not in v.dims]
    along = [n for n, v in ds.variables.items() if dim in v.dims]
    return ds[static] if static else xr.Dataset(), along


def _concat(blocks: list[xr.Dataset], dim: str) -> xr.Dataset:
    try:
        return xr.concat(blocks, dim=dim, data_vars="minimal", coords="minimal",
                         compat="equals", join="exact", combine_attrs="override")
    except ValueError as exc:
        raise StoreError(f"the blocks do not fit together: {exc}") from exc


def _check_indices(done: set[int], n_blocks: int | None) -> int:
    """The number of blocks, after checking that blocks ``0 .. n - 1`` are all there."""
    n = n_blocks if n_blocks is not None else (max(done) + 1 if done else 0)
    missing = sorted(set(range(n)) - done)
    if not done or missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise StoreError(
            "cannot finalize: " + (f"blocks missing: {shown}" if missing else "no blocks written"))
    extra = sorted(b for b in done if b >= n)
    if extra:
        raise StoreError(f"cannot finalize: blocks {extra} are past the last block {n - 1}")
    return n


# ---------------------------------------------------------------------------------- stores


class Store(abc.ABC):
    """Where the blocks of one ensemble go; see the module docstring.

    Attributes
    ----------
    path : pathlib.Path or None
        The final file or directory (None in memory).
    dim : str
        The run dimension.
    attrs : dict
        The ensemble's attrs given when it was started (merged into the final attrs).
    n_runs : int or None
        The number of runs, if known (then checked at :meth:`finalize`).
    """

    kind: StoreKind
    path: Path | None
    dim: str
    attrs: dict[str, Any]
    n_runs: int | None

    @abc.abstractmethod
    def completed_blocks(self) -> set[int]:
        """The indices of the blocks durably stored (a new set)."""

    @abc.abstractmethod
    def write_block(self, block_index: int, ds: xr.Dataset) -> None:
        """Store block ``block_index``; once this returns, the block survives a crash.

        Raises
        ------
        StoreError
            The block is already stored, or does not fit the others.
        """

    @abc.abstractmethod
    def finalize(self, attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
        """Check that every block is there, finish the store and return the ensemble.

        Parameters
        ----------
        attrs : mapping, optional
            Attrs of the ensemble, added to (and overriding) those given to
            :func:`open_store`.

        Returns
        -------
        xarray.Dataset
            The blocks concatenated along the run dimension, in block order, with the attrs.
        """

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release resources; an unfinished store stays on disk, ready to be resumed."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_new(self, block_index: int) -> None:
        if block_index in self.completed_blocks():
            raise StoreError(f"block {block_index} is already stored")

    def _final_attrs(self, attrs: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**self.attrs, **(attrs or {})}

    def _check_total(self, total: int) -> None:
        if self.n_runs is not None and total != self.n_runs:
            raise StoreError(f"cannot finalize: the blocks hold {total} runs, "
                             f"expected n_runs={self.n_runs}")


class MemoryStore(Store):
    """Blocks kept in memory, concatenated in block order by :meth:`finalize`.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> def block(start, stop):
    ...     return xr.Dataset({"y": ("run", np.arange(start, stop) ** 2.0)},
    ...                       coords={"run": np.arange(start, stop)})
    >>> store = open_store()
    >>> store.write_block(1, block(2, 3))
    >>> store.write_block(0, block(0, 2))
    >>> sorted(store.completed_blocks())
    [0, 1]
    >>> store.finalize({"note": "demo"}).y.values
    array([0., 1., 4.])
    """

    kind: StoreKind = "memory"

    def __init__(self, *, dim: str = RUN_DIM, attrs: Mapping[str, Any] | None = None,
                 n_runs: int | None = None) -> None:
        self.path = None
        self.dim = dim
        self.attrs = dict(attrs or {})
        self.n_runs = n_runs
        self._blocks: dict[int, xr.Dataset] = {}

    def completed_blocks(self) -> set[int]:
        return set(self._blocks)

    def write_block(self, block_index: int, ds: xr.Dataset) -> None:
        block = _check_block(ds, self.dim, block_index)
        self._check_new(int(block_index))
        self._blocks[int(block_index)] = block

    def finalize(self, attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
        n = _check_indices(set(self._blocks), None)
        out = _concat([self._blocks[b] for b in range(n)], self.dim)
        self._check_total(out.sizes[self.dim])
        out = _normalize_strings(out)
        out.attrs = self._final_attrs(attrs)
        return out

    def close(self) -> None:
        """Forget the blocks."""
        self._blocks.clear()


def _read_manifest(meta_dir: Path) -> dict[str, Any] | None:
    path = meta_dir / _MANIFEST
    if not path.exists():
        return None
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"unreadable store manifest {path}: {exc}") from exc
    return manifest


def _manifest(kind: str, dim: str, attrs: Mapping[str, Any], n_runs: int | None,
              block_size: int | None) -> dict[str, Any]:
    return {"format": STORE_FORMAT, "kind": kind, "dim": dim, "n_runs": n_runs,
            "block_size": block_size, "attrs": json.loads(_canonical(attrs))}


def _reconcile(manifest: dict[str, Any], path: Path, *, kind: str, dim: str | None,
               attrs: Mapping[str, Any] | None, n_runs: int | None,
               block_size: int | None) -> dict[str, Any]:
    """Check what the caller asks against how the ensemble was started; the settings to use."""
    if manifest.get("format") != STORE_FORMAT or manifest.get("kind") != kind:
        raise StoreError(f"{path} was written by another store layout "
                         f"({manifest.get('kind')!r}, format {manifest.get('format')!r})")
    asked = {"dim": dim, "n_runs": n_runs, "block_size": block_size}
    for key, value in asked.items():
        if value is not None and manifest.get(key) is not None and manifest[key] != value:
            raise StoreError(f"cannot resume the ensemble at {path}: it was started with "
                             f"{key}={manifest[key]!r}, not {value!r}")
    if attrs is not None:
        new = json.loads(_canonical(attrs))
        old = manifest["attrs"]
        changed = sorted(k for k in set(new) | set(old) if new.get(k) != old.get(k))
        if changed:
            raise StoreError(f"cannot resume the ensemble at {path}: it was started with "
                             f"other attrs (differing keys: {', '.join(changed)})")
    return {
        "dim": manifest["dim"],
        "attrs": manifest["attrs"],
        "n_runs": manifest.get("n_runs") if manifest.get("n_runs") is not None else n_runs,
        "block_size": (manifest.get("block_size") if manifest.get("block_size") is not None
                       else block_size),
    }


class NetCDFStore(Store):
    """Blocks as part files ``PATH.parts/block-000123.nc``, concatenated into ``PATH`` at the end.

    Create it with :func:`open_store`. Part files are written under a temporary name, synced and
    renamed, so a part that exists is complete; on resume a part that does not open is removed
    and recomputed. :meth:`finalize` writes ``PATH`` the same way and then removes the parts.
    """

    kind: StoreKind = "netcdf"

    def __init__(self, path: Path, *, dim: str, attrs: Mapping[str, Any],
                 n_runs: int | None, fresh: bool, block_size: int | None = None) -> None:
        self.path = path
        self.parts = parts_dir(path)
        self.block_size = block_size
        self.dim = dim
        self.attrs = dict(attrs)
        self.n_runs = n_runs
        self._done: set[int] = set()
        if fresh:
            if self.parts.exists():
                shutil.rmtree(self.parts)
            self.parts.mkdir(parents=True)
            _atomic_write_text(self.parts / _MANIFEST, json.dumps(
                _manifest(self.kind, dim, self.attrs, n_runs, block_size), sort_keys=True))
        else:
            self._scan()

    def _part(self, block_index: int) -> Path:
        return self.parts / f"block-{block_index:06d}.nc"

    def _scan(self) -> None:
        """Count the part files that open; remove the others and stale temporary files."""
        for entry in self.parts.iterdir():
            m = _BLOCK_RE.match(entry.name)
            if m is None or m.group(2) != "nc":
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    entry.unlink(missing_ok=True)
                continue
            try:
                with xr.open_dataset(entry, engine="h5netcdf") as part:
                    if self.dim not in part.dims:
                        raise ValueError(f"no {self.dim!r} dimension")
                    part.load()
            except Exception:  # truncated or corrupt (h5py raises various types): recompute
                entry.unlink(missing_ok=True)
                continue
            self._done.add(int(m.group(1)))

    def completed_blocks(self) -> set[int]:
        return set(self._done)

    def write_block(self, block_index: int, ds: xr.Dataset) -> None:
        block = _check_block(ds, self.dim, block_index)
        b = int(block_index)
        self._check_new(b)
        target = self._part(b)
        tmp = self.parts / f".{target.name}.{os.getpid()}.tmp"
        try:
            block.to_netcdf(tmp, engine="h5netcdf")
            _fsync_path(tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_path(self.parts)
        self._done.add(b)

    def finalize(self, attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
        assert self.path is not None
        n = _check_indices(self._done, None)
        blocks = []
        for b in range(n):
            with xr.open_dataset(self._part(b), engine="h5netcdf") as part:
                blocks.append(_normalize_strings(part.load()).drop_encoding())
        out = _concat(blocks, self.dim)
        del blocks
        self._check_total(out.sizes[self.dim])
        out.attrs = self._final_attrs(attrs)
        _write_netcdf_atomic(out, self.path)
        # the final file is in place: from here on the ensemble is finished, the parts are junk
        shutil.rmtree(self.parts, ignore_errors=True)
        return load_store(self.path, kind="netcdf")


def parts_dir(path: str | os.PathLike[str]) -> Path:
    """The directory of the part files of the NetCDF store at ``path`` (``PATH.parts``)."""
    p = Path(path)
    return p.with_name(p.name + ".parts")


def _write_netcdf_atomic(ds: xr.Dataset, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # the dyadic arrays are mostly zeros and repeats: gzip makes the file ~3x smaller
    encoding = {name: {"zlib": True, "complevel": 4, "shuffle": True}
                for name, var in ds.data_vars.items()
                if var.ndim >= 2 and var.dtype.kind in "biuf"}
    try:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
        _fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_path(target.parent)


class ZarrStore(Store):
    """Blocks written into their own regions of one Zarr v3 store; memory constant in runs.

    Create it with :func:`open_store`. The arrays along the run dimension are chunked by
    ``block_size`` runs (whole along the other dimensions), so that a block owns its chunks: a
    write interrupted by a crash can only damage the block being written, never a completed one.
    With ``n_runs`` known the arrays are allocated to their final length when the store is
    created; otherwise they grow (a metadata-only resize) as blocks arrive and are cut to the
    number of runs at :meth:`finalize`.

    After the data of a block are written and synced, a marker
    ``PATH/.scenarios/blocks/block-000123.json`` is written atomically: only marked blocks count
    as complete. :meth:`finalize` consolidates the metadata, writes
    ``PATH/.scenarios/complete.json`` and removes the block markers.
    """

    kind: StoreKind = "zarr"

    def __init__(self, path: Path, *, dim: str, attrs: Mapping[str, Any], n_runs: int | None,
                 block_size: int, template: xr.Dataset | None, fresh: bool,
                 durable: bool = True) -> None:
        try:
            import zarr
        except ImportError as exc:  # pragma: no cover - zarr is installed with the test extra
            raise ImportError(f"the Zarr store needs zarr: {_ZARR_INSTALL_HINT}") from exc
        self._zarr = zarr
        self.path = path
        self.meta = path / _META_DIR
        self.markers = self.meta / "blocks"
        self.dim = dim
        self.attrs = dict(attrs)
        self.n_runs = n_runs
        self.block_size = block_size
        self.durable = durable
        self._done: set[int] = set()
        self._along: list[Hashable] | None = None  # variables along dim, once created
        self._static: xr.Dataset | None = None
        if fresh:
            if path.exists():
                shutil.rmtree(path)
            # the manifest first: a directory with a manifest is an (unfinished) ensemble
            self.meta.mkdir(parents=True)
            _atomic_write_text(self.meta / _MANIFEST, json.dumps(
                _manifest(self.kind, dim, self.attrs, n_runs, block_size), sort_keys=True))
            self.markers.mkdir()
        else:
            self.markers.mkdir(parents=True, exist_ok=True)
            self._scan()
        if self._along is None and template is not None:
            self._create(_check_block(template, dim, 0))

    # -- bookkeeping

    def _marker(self, block_index: int) -> Path:
        return self.markers / f"block-{block_index:06d}.json"

    def _scan(self) -> None:
        for entry in self.markers.iterdir():
            m = _BLOCK_RE.match(entry.name)
            if m is not None and m.group(2) == "json":
                try:
                    json.loads(entry.read_text(encoding="utf-8"))
                except ValueError:  # cannot happen with atomic writes; be safe anyway
                    entry.unlink(missing_ok=True)
                    continue
                self._done.add(int(m.group(1)))
            elif entry.name.startswith(".") and entry.name.endswith(".tmp"):
                entry.unlink(missing_ok=True)
        if (self.path / "zarr.json").exists():  # type: ignore[operator]
            with _quiet_zarr():
                existing = xr.open_zarr(self.path, consolidated=False, chunks=None)
                static, self._along = _split_static(existing, self.dim)
                self._static = _normalize_strings(static.load())
        elif self._done:
            raise StoreError(f"{self.path} has block markers but no data: remove it")

    def completed_blocks(self) -> set[int]:
        return set(self._done)

    # -- writing

    def _group(self) -> Any:
        return self._zarr.open_group(str(self.path), mode="r+", use_consolidated=False)

    def _length(self) -> int:
        return int(self.n_runs) if self.n_runs is not None else 0

    def _create(self, block: xr.Dataset) -> None:
        """Create the arrays from one block's structure (its first run is placeholder data)."""
        static, along = _split_static(block, self.dim)
        self._static = _normalize_strings(static)
        first = _objects_for_strings(block.isel({self.dim: slice(0, 1)}))
        encoding = {name: {"chunks": (self.block_size, *first[name].shape[1:])}
                    for name in along}
        with _quiet_zarr():
            first.to_zarr(self.path, mode="a", consolidated=False, encoding=encoding,
                          zarr_format=3)
        self._along = along
        self._resize(max(self._length(), 1))

    def _resize(self, length: int) -> None:
        group = self._group()
        assert self._along is not None
        for name in self._along:
            array = group[str(name)]
            if array.shape[0] != length:
                array.resize((length, *array.shape[1:]))

    def _current_length(self) -> int:
        assert self._along is not None
        return int(self._group()[str(self._along[0])].shape[0])

    def _check_fit(self, block_index: int, block: xr.Dataset) -> tuple[int, int]:
        size = block.sizes[self.dim]
        start = block_index * self.block_size
        stop = start + size
        if self.n_runs is not None:
            last = -(-self.n_runs // self.block_size) - 1
            expected = min(self.block_size, self.n_runs - start)
            if block_index > last:
                raise StoreError(f"block {block_index} is past the last block {last} "
                                 f"(n_runs={self.n_runs}, block_size={self.block_size})")
            if size != expected:
                raise StoreError(f"block {block_index} has {size} runs, expected {expected}")
        elif size > self.block_size:
            raise StoreError(f"block {block_index} has {size} runs, more than the block size "
                             f"{self.block_size}")
        assert self._static is not None and self._along is not None
        static, along = _split_static(block, self.dim)
        if sorted(map(str, along)) != sorted(map(str, self._along)):
            raise StoreError(f"block {block_index} has the variables {sorted(map(str, along))} "
                             f"along {self.dim!r}, expected {sorted(map(str, self._along))}")
        if not _normalize_strings(static).equals(self._static):
            raise StoreError(f"block {block_index}: the variables without {self.dim!r} differ "
                             "from those of the other blocks")
        return start, stop

    def write_block(self, block_index: int, ds: xr.Dataset) -> None:
        block = _check_block(ds, self.dim, block_index)
        b = int(block_index)
        self._check_new(b)
        if self._along is None:
            self._create(block)
        start, stop = self._check_fit(b, block)
        if self.n_runs is None and stop > self._current_length():
            self._resize((b + 1) * self.block_size)
        assert self._along is not None
        region = _objects_for_strings(
            block.drop_vars([n for n, v in block.variables.items() if self.dim not in v.dims]))
        # xarray leaves index coordinates out of region writes: write it with zarr itself
        index: list[Hashable] = [n for n in region.xindexes if n == self.dim]
        with _quiet_zarr():
            region.drop_vars(index).to_zarr(self.path, region={self.dim: slice(start, stop)},
                                            mode="r+", consolidated=False)
            if index:
                self._group()[self.dim][start:stop] = np.asarray(region[self.dim].values)
        if self.durable:
            self._sync_chunks(b)
        # the marker goes last: a block is complete only once its data are on disk
        _atomic_write_text(self._marker(b), json.dumps(
            {"block": b, "start": start, "stop": stop}))
        self._done.add(b)

    def _sync_chunks(self, block_index: int) -> None:
        """fsync the chunk files of one block (chunk ``block_index`` along the run axis)."""
        assert self._along is not None and self.path is not None
        for name in self._along:
            chunk = self.path / str(name) / "c" / str(block_index)
            if chunk.is_file():
                _fsync_path(chunk)
            elif chunk.is_dir():
                for f in chunk.rglob("*"):
                    if f.is_file():
                        _fsync_path(f)

    # -- finishing

    def finalize(self, attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
        assert self.path is not None
        n_blocks = None if self.n_runs is None else -(-self.n_runs // self.block_size)
        n = _check_indices(self._done, n_blocks)
        last = json.loads(self._marker(n - 1).read_text(encoding="utf-8"))
        total = int(last["stop"])
        self._check_total(total)
        if self._current_length() != total:
            self._resize(total)
        group = self._group()
        final = self._final_attrs(attrs)
        group.attrs.put({k: json.loads(json.dumps(v, default=_json_default))
                         for k, v in final.items()})
        with _quiet_zarr():
            self._zarr.consolidate_metadata(str(self.path))
        _atomic_write_text(self.meta / _COMPLETE, json.dumps({"blocks": n, "runs": total}))
        shutil.rmtree(self.markers, ignore_errors=True)
        return load_store(self.path, kind="zarr")


def _objects_for_strings(ds: xr.Dataset) -> xr.Dataset:
    """Fixed-width strings as Python objects, so that Zarr stores them with variable length
    (a block's width must not limit the strings of later blocks)."""
    out = ds
    for name, var in ds.variables.items():
        if var.dtype.kind == "U":
            obj = var.copy(data=np.asarray(var.values, dtype=object))
            out = out.assign({name: obj}) if name in out.data_vars else out.assign_coords(
                {name: obj})
    return out


# ------------------------------------------------------------------------------- opening


def _infer_kind(path: Path) -> Literal["netcdf", "zarr"]:
    if path.suffix == ".zarr":
        return "zarr"
    if path.is_dir() and ((path / "zarr.json").exists() or (path / _META_DIR).exists()):
        return "zarr"
    return "netcdf"


def _state(path: Path, kind: Literal["netcdf", "zarr"]) -> Literal["none", "unfinished",
                                                                   "finished", "foreign"]:
    """What is at ``path``: nothing, an unfinished or a finished ensemble, or something else."""
    if kind == "netcdf":
        if path.exists():
            return "finished" if path.is_file() else "foreign"
        return "unfinished" if (parts_dir(path) / _MANIFEST).exists() else "none"
    if not path.exists():
        return "none"
    if not path.is_dir():
        return "foreign"
    if (path / _META_DIR / _COMPLETE).exists():
        return "finished"
    if (path / _META_DIR / _MANIFEST).exists():
        return "unfinished"
    # empty, or only our directory from a start killed before its manifest was written
    entries = {e.name for e in path.iterdir()}
    return "none" if entries <= {_META_DIR} else "foreign"


def open_store(
    path: str | os.PathLike[str] | None = None,
    *,
    kind: Literal["netcdf", "zarr"] | None = None,
    resume: bool = False,
    attrs: Mapping[str, Any] | None = None,
    template: xr.Dataset | None = None,
    n_runs: int | None = None,
    block_size: int | None = None,
    dim: str | None = None,
    overwrite: bool = False,
) -> Store:
    """Open a store to write an ensemble into, block by block.

    Parameters
    ----------
    path : str or path, optional
        The final NetCDF file or Zarr directory; ``None`` keeps everything in memory.
    kind : {"netcdf", "zarr"}, optional
        Default: ``"zarr"`` for a ``.zarr`` path (or an existing Zarr store), else
        ``"netcdf"``.
    resume : bool, default False
        Continue an unfinished ensemble at ``path``: its complete blocks are reported by
        :meth:`Store.completed_blocks`. With nothing at ``path``, start a new one.
    attrs : mapping, optional
        The ensemble's attrs (provenance: config, versions, seed entropy), stored when it
        starts and merged into the final attrs. On resume they must equal those the ensemble
        was started with (``None`` takes them from the store), so that blocks of different
        experiments are never mixed. Values must be JSON-serialisable (numpy scalars and
        arrays are fine).
    template : xarray.Dataset, optional
        One block (any block: only its variables, dtypes and sizes are used). Lets the Zarr
        store be created before the first block arrives, and gives the block size.
    n_runs : int, optional
        The total number of runs; checked at :meth:`Store.finalize`. A Zarr store allocates
        its arrays to this length at once.
    block_size : int, optional
        Runs per block (the last block may be shorter). Required for Zarr, unless
        ``template`` gives it (its length along ``dim``) or the store is resumed.
    dim : str, optional
        The run dimension; default ``"run"`` (or the one the resumed store was started with).
    overwrite : bool, default False
        Remove a finished or unfinished ensemble at ``path`` and start afresh.

    Returns
    -------
    Store

    Raises
    ------
    UnfinishedStoreError
        An unfinished ensemble is at ``path`` and neither ``resume`` nor ``overwrite`` is set.
    FinishedStoreError
        A finished ensemble is at ``path`` and ``overwrite`` is not set (read it with
        :func:`load_store`).
    StoreError
        Something else than a store is at ``path``, or the resumed ensemble was started with
        other attrs, dimension, block size or number of runs.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> store = open_store(None, n_runs=3)
    >>> store.write_block(0, xr.Dataset({"y": ("run", [1.0, 2.0, 3.0])}))
    >>> store.finalize().sizes["run"]
    3
    """
    if n_runs is not None and (isinstance(n_runs, bool) or n_runs < 1):
        raise ValueError(f"n_runs must be a positive integer, got {n_runs!r}")
    if block_size is not None and (isinstance(block_size, bool) or block_size < 1):
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
    if path is None:
        if resume:
            raise ValueError("resume=True needs a path: an in-memory store cannot be resumed")
        if kind is not None:
            raise ValueError(f"kind={kind!r} needs a path")
        return MemoryStore(dim=dim or RUN_DIM, attrs=attrs, n_runs=n_runs)
    p = Path(path)
    kind = kind or _infer_kind(p)
    if kind not in ("netcdf", "zarr"):
        raise ValueError(f"unknown store kind {kind!r}: expected 'netcdf' or 'zarr'")
    state = _state(p, kind)
    if state == "foreign":
        raise StoreError(f"{p} exists and is not a {kind} ensemble store: choose another path")
    if state == "finished" and not overwrite:
        raise FinishedStoreError(f"a finished ensemble is already at {p}: read it with "
                                 "load_store, or pass overwrite=True to replace it")
    if state == "unfinished" and not (resume or overwrite):
        raise UnfinishedStoreError(_unfinished_message(p))
    fresh = state == "none" or overwrite
    if fresh and state == "finished":
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()
    meta = parts_dir(p) if kind == "netcdf" else p / _META_DIR
    # attrs as JSON gives them back, so that a resumed ensemble ends with the same attrs
    settings = {"dim": dim or RUN_DIM, "attrs": json.loads(_canonical(attrs or {})),
                "n_runs": n_runs,
                "block_size": block_size}
    if not fresh:
        manifest = _read_manifest(meta)
        assert manifest is not None
        settings = _reconcile(manifest, p, kind=kind, dim=dim, attrs=attrs, n_runs=n_runs,
                              block_size=block_size)
    if kind == "netcdf":
        p.parent.mkdir(parents=True, exist_ok=True)
        return NetCDFStore(p, dim=settings["dim"], attrs=settings["attrs"],
                           n_runs=settings["n_runs"], fresh=fresh,
                           block_size=settings["block_size"])
    size = settings["block_size"]
    if size is None and template is not None and settings["dim"] in template.dims:
        size = template.sizes[settings["dim"]]
    if size is None:
        raise ValueError("a Zarr store needs block_size (or a template block of that size)")
    return ZarrStore(p, dim=settings["dim"], attrs=settings["attrs"], n_runs=settings["n_runs"],
                     block_size=size, template=template, fresh=fresh)


def load_store(path: str | os.PathLike[str], *,
               kind: Literal["netcdf", "zarr"] | None = None) -> xr.Dataset:
    """Read a finished ensemble.

    NetCDF is read fully into memory; Zarr is opened lazily (only string variables are read,
    to give them fixed width). Strings come back as fixed-width unicode arrays.

    Raises
    ------
    UnfinishedStoreError
        The ensemble at ``path`` is not finished.
    FileNotFoundError
        Nothing is at ``path``.
    """
    p = Path(path)
    kind = kind or _infer_kind(p)
    state = _state(p, kind)
    if state == "unfinished":
        raise UnfinishedStoreError(_unfinished_message(p))
    if state == "none":
        raise FileNotFoundError(f"no ensemble at {p}")
    if state == "foreign":
        raise StoreError(f"{p} is not a {kind} ensemble store")
    if kind == "netcdf":
        with xr.open_dataset(p, engine="h5netcdf") as opened:
            ds = opened.load()
    else:
        with _quiet_zarr():
            ds = xr.open_zarr(p, consolidated=True, chunks=None)
    return _normalize_strings(ds)
