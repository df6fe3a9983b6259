"""The feedback channel: what residents and agency staff send in, and whose it is.

An item is a question (``pertanyaan``), a complaint (``pengaduan``) or input
(``masukan``). The web form asks for a topic, and the topic names the agency whose
jurisdiction it is; an SMS or WhatsApp message is free text, so keywords choose both the
kind and the topic. Each kind has a response deadline in calendar days, counted from the
day (WIB) the item arrived; a reroute to another agency keeps it: the resident waited
already, and the misrouting was not theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Literal, get_args

__all__ = [
    "AGENCIES",
    "AGENCY_NAMES",
    "DEFAULT_DUE_DAYS",
    "KINDS",
    "TOPICS",
    "Agency",
    "Kind",
    "Topic",
    "agency_for",
    "classify",
    "due_date",
    "kind_of",
    "parse_due_days",
    "topic_of",
]

Kind = Literal["pertanyaan", "pengaduan", "masukan"]
Topic = Literal["usulan_kepesertaan", "verifikasi_kuota", "kartu_faskes", "lainnya"]
# Agencies by the name of the service that speaks for them.
Agency = Literal["dinsos", "dinkes", "bpjs-gateway"]

KINDS: tuple[Kind, ...] = get_args(Kind)
TOPICS: tuple[Topic, ...] = get_args(Topic)
AGENCIES: tuple[Agency, ...] = get_args(Agency)

_TOPIC_AGENCY: Mapping[Topic, Agency] = {
    "usulan_kepesertaan": "dinsos",  # who is proposed, who must leave
    "verifikasi_kuota": "dinkes",  # rejections, the quota, the waiting list
    "kartu_faskes": "bpjs-gateway",  # card, clinic, BPJS: the city's BPJS liaison desk
    "lainnya": "dinsos",  # the programme's owner answers what fits nowhere else
}

AGENCY_NAMES: Mapping[Agency, str] = {
    "dinsos": "Dinas Sosial",
    "dinkes": "Dinas Kesehatan",
    "bpjs-gateway": "Meja Layanan BPJS Kesehatan Pemerintah Kota",
}

# Keywords of free text, first matching rule wins; matched as substrings of the lower-cased
# text, so "usul" finds "diusulkan" and "daftar" finds "pendaftaran". "daftar tunggu" is a
# Dinkes matter, so Dinkes' rule is read before Dinsos' "daftar".
_TOPIC_KEYWORDS: tuple[tuple[Topic, tuple[str, ...]], ...] = (
    ("kartu_faskes", ("kartu", "faskes", "puskesmas", "klinik", "bpjs")),
    ("verifikasi_kuota", ("ditolak", "verifikasi", "kuota", "antre", "antri", "daftar tunggu")),
    ("usulan_kepesertaan", ("usul", "daftar", "pindah", "meninggal", "mampu")),
)
_COMPLAINT_WORDS = ("aduan", "adukan", "keluhan", "mengeluh", "komplain")
_QUESTION_WORDS = ("tanya", "bagaimana", "kapan", "apakah")

DEFAULT_DUE_DAYS: Mapping[Kind, int] = {"pengaduan": 5, "pertanyaan": 3, "masukan": 14}


def agency_for(topic: Topic) -> Agency:
    """The agency whose jurisdiction a topic is."""
    return _TOPIC_AGENCY[topic]


def topic_of(text: str) -> Topic:
    """The topic of a free-text message by its keywords; ``lainnya`` when none matches."""
    lowered = text.casefold()
    for topic, words in _TOPIC_KEYWORDS:
        if any(w in lowered for w in words):
            return topic
    return "lainnya"


def kind_of(text: str) -> Kind:
    """A complaint when it says so, a question when it asks, input otherwise."""
    lowered = text.casefold()
    if any(w in lowered for w in _COMPLAINT_WORDS):
        return "pengaduan"
    if "?" in lowered or any(w in lowered for w in _QUESTION_WORDS):
        return "pertanyaan"
    return "masukan"


def classify(text: str) -> tuple[Kind, Topic]:
    """Kind and topic of an SMS or WhatsApp message."""
    return kind_of(text), topic_of(text)


def parse_due_days(spec: str) -> dict[Kind, int]:
    """``"pengaduan=5,pertanyaan=3,masukan=14"`` (NOTIFICATIONS_FEEDBACK_DUE_DAYS); kinds left
    out keep their default. Raises ValueError naming the problem (the service stops at start)."""
    days = dict(DEFAULT_DUE_DAYS)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in KINDS:
            raise ValueError(f"NOTIFICATIONS_FEEDBACK_DUE_DAYS: unknown kind {name!r}")
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"NOTIFICATIONS_FEEDBACK_DUE_DAYS: {name} needs a whole number ≥ 1")
        days[name] = int(value)
    return days


def due_date(kind: Kind, received_on: date, days: Mapping[Kind, int] = DEFAULT_DUE_DAYS) -> date:
    """The last day an answer is on time: ``days[kind]`` calendar days after arrival."""
    return received_on + timedelta(days=days[kind])
