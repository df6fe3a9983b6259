"""Places of the synthetic city: Jambi City (Kemendagri code 1571) and its neighbours.

Jambi City's 11 kecamatan are districts 01-11 of region 1571; their kelurahan carry
10-digit codes ``1571KK10NN`` (the ``1`` marks a kelurahan, a ``2`` would mark a desa).
Names are the real ones; the numbering of kelurahan within a kecamatan is illustrative.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CITY_CODE",
    "CITY_NAME",
    "ELSEWHERE",
    "KECAMATAN",
    "KELURAHAN",
    "Kelurahan",
    "Region",
    "kelurahan_by_code",
    "puskesmas_for",
]

CITY_CODE = "1571"
CITY_NAME = "Kota Jambi"


@dataclass(frozen=True)
class Kelurahan:
    """A kelurahan (urban village): its 10-digit code, name and kecamatan."""

    code: str
    name: str
    kecamatan: str

    @property
    def district(self) -> str:
        """The 6-digit kecamatan code (as in a NIK's first six digits)."""
        return self.code[:6]


_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "01": (
        "Telanaipura",
        (
            "Telanaipura",
            "Pematang Sulur",
            "Penyengat Rendah",
            "Teluk Kenali",
            "Buluran Kenali",
            "Simpang IV Sipin",
        ),
    ),
    "02": (
        "Jambi Selatan",
        ("Pasir Putih", "Tambak Sari", "Wijaya Pura", "Pakuan Baru", "The Hok"),
    ),
    "03": (
        "Jambi Timur",
        (
            "Tanjung Pinang",
            "Talang Banjar",
            "Sulanjana",
            "Kasang",
            "Kasang Jaya",
            "Rajawali",
            "Budiman",
            "Sijenjang",
            "Tanjung Sari",
        ),
    ),
    "04": ("Pasar Jambi", ("Pasar Jambi", "Orang Kayo Hitam", "Beringin", "Sungai Asam")),
    "05": (
        "Pelayangan",
        ("Tengah", "Jelmu", "Mudung Laut", "Arab Melayu", "Tahtul Yaman", "Tanjung Johor"),
    ),
    "06": (
        "Danau Teluk",
        ("Pasir Panjang", "Tanjung Raden", "Tanjung Pasir", "Olak Kemang", "Ulu Gedong"),
    ),
    "07": (
        "Kota Baru",
        ("Simpang III Sipin", "Suka Karya", "Kenali Asam Atas", "Kenali Asam Bawah", "Paal Lima"),
    ),
    "08": (
        "Jelutung",
        (
            "Jelutung",
            "Handil Jaya",
            "Kebun Handil",
            "Cempaka Putih",
            "Talang Jauh",
            "Payo Lebar",
            "Lebak Bandung",
        ),
    ),
    "09": ("Alam Barajo", ("Mayang Mangurai", "Bagan Pete", "Kenali Besar", "Rawasari", "Beliung")),
    "10": ("Danau Sipin", ("Solok Sipin", "Murni", "Sungai Putri", "Selamat", "Legok")),
    "11": (
        "Paal Merah",
        ("Talang Bakung", "Payo Selincah", "Paal Merah", "Lingkar Selatan", "Eka Jaya"),
    ),
}

KECAMATAN: dict[str, str] = {f"{CITY_CODE}{k}": name for k, (name, _) in _NAMES.items()}
"""6-digit kecamatan code -> name."""

KELURAHAN: tuple[Kelurahan, ...] = tuple(
    Kelurahan(f"{CITY_CODE}{k}10{i:02d}", name, kecamatan)
    for k, (kecamatan, names) in _NAMES.items()
    for i, name in enumerate(names, start=1)
)
"""Every kelurahan of Jambi City, in code order."""

_PUSKESMAS = {
    "01": "PUSKESMAS SIMPANG IV SIPIN",
    "02": "PUSKESMAS PAKUAN BARU",
    "03": "PUSKESMAS TANJUNG PINANG",
    "04": "PUSKESMAS OLAK KEMANG",
    "05": "PUSKESMAS TAHTUL YAMAN",
    "06": "PUSKESMAS TANJUNG RADEN",
    "07": "PUSKESMAS PAAL V",
    "08": "PUSKESMAS KEBUN HANDIL",
    "09": "PUSKESMAS KENALI BESAR",
    "10": "PUSKESMAS PUTRI AYU",
    "11": "PUSKESMAS TALANG BAKUNG",
}


@dataclass(frozen=True)
class Region:
    """A regency or city other than Jambi City, where people were born or live."""

    code: str  # 4 digits
    name: str
    districts: int  # how many district codes (01..N) to draw from


ELSEWHERE: tuple[Region, ...] = (
    Region("1505", "Kabupaten Muaro Jambi", 11),
    Region("1504", "Kabupaten Batang Hari", 8),
    Region("1371", "Kota Padang", 11),
    Region("1271", "Kota Medan", 21),
)
"""Regions where some residents were first registered, and where non-residents live."""

_BY_CODE = {k.code: k for k in KELURAHAN}


def kelurahan_by_code(code: str) -> Kelurahan | None:
    """The Jambi City kelurahan with this 10-digit code, if any."""
    return _BY_CODE.get(code)


def puskesmas_for(district: str) -> tuple[str, str]:
    """(kdProvider, nmProvider) of the primary clinic (FKTP) serving a 6-digit district."""
    if district.startswith(CITY_CODE):
        return f"{district}01", _PUSKESMAS[district[4:6]]
    return f"{district}01", f"KLINIK PRATAMA {district}"
