"""Indonesian personal names, as people in Jambi are commonly called."""

from __future__ import annotations

import random

__all__ = ["person_name", "street_address"]

_MEN = (
    "Muhammad",
    "Ahmad",
    "Abdul",
    "Rahmat",
    "Hendra",
    "Budi",
    "Agus",
    "Syahrial",
    "Zulkifli",
    "Fadli",
    "Rizki",
    "Hasan",
    "Ilham",
    "Joko",
    "Dedi",
    "Irwan",
    "Yusuf",
    "Fikri",
    "Arif",
    "Bambang",
    "Sutrisno",
    "Firmansyah",
    "Taufik",
    "Hamdan",
    "Andi",
    "Rudi",
    "Ikhsan",
)
_WOMEN = (
    "Siti",
    "Nur",
    "Dewi",
    "Rina",
    "Sri",
    "Yuliana",
    "Fitri",
    "Aisyah",
    "Nurhayati",
    "Ratna",
    "Wulan",
    "Indah",
    "Lestari",
    "Rahmawati",
    "Putri",
    "Aminah",
    "Zainab",
    "Desi",
    "Yanti",
    "Mardiana",
    "Halimah",
    "Salmah",
    "Kartini",
    "Novita",
    "Suryani",
)
_SECOND = (
    "Saputra",
    "Hidayat",
    "Pratama",
    "Kurniawan",
    "Setiawan",
    "Wijaya",
    "Santoso",
    "Harahap",
    "Nasution",
    "Lubis",
    "Siregar",
    "Rahman",
    "Hakim",
    "Fauzi",
    "Syahputra",
    "Kusuma",
    "Maulana",
    "Ramadhan",
    "Hasibuan",
    "Sembiring",
)
_SECOND_WOMEN = ("Permata", "Anggraini", "Handayani", "Puspita", "Wulandari", "Safitri")
_STREETS = (
    "Jl. Kapten Pattimura",
    "Jl. Sultan Thaha",
    "Jl. Gatot Subroto",
    "Jl. Hayam Wuruk",
    "Jl. Sumantri Brojonegoro",
    "Jl. Pangeran Diponegoro",
    "Jl. Lingkar Selatan",
    "Jl. Kol. Abunjani",
    "Jl. Jend. Sudirman",
    "Jl. Slamet Riyadi",
    "Jl. Marsda Surya Darma",
    "Lrg. Pinang Merah",
    "Lrg. Karya Bakti",
    "Jl. Ir. H. Juanda",
    "Jl. KH. Agus Salim",
    "Jl. Raden Wijaya",
    "Jl. Yos Sudarso",
    "Lrg. Harapan Jaya",
)


def person_name(rng: random.Random, sex: str) -> str:
    """A first name for the sex, often followed by a second name."""
    first = rng.choice(_WOMEN if sex == "P" else _MEN)
    if rng.random() < 0.25:
        return first
    second = rng.choice(_SECOND + _SECOND_WOMEN if sex == "P" else _SECOND)
    return f"{first} {second}"


def street_address(rng: random.Random, kelurahan_name: str) -> str:
    """A street address with RT (neighbourhood unit) in the kelurahan."""
    rt = rng.randint(1, 45)
    return f"{rng.choice(_STREETS)} No. {rng.randint(1, 150)}, RT {rt:03d}, {kelurahan_name}"
