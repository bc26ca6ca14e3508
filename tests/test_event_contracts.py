"""Event payload contracts (issue 16): what each consumer reads is in what its producer
publishes, with the same types.

Producers publish a Pydantic model per topic (`events.py` of booking, payment and
attendance; the student's consent record). Consumers read with models of their own that
name only what they use. For every consumed topic these tests check that each field a
consumer reads is a field of the producer's model, of the same type, never null where the
consumer needs a value; and they build a payload the producer's way (its model, dumped as
the outbox stores it) and feed it through the consumer's own parsing.
"""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal, Union

import annotated_types
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from studyspot.services.analytics import projection
from studyspot.services.analytics.consumers import CONSUMERS as ANALYTICS_CONSUMERS
from studyspot.services.attendance.events import PAYLOADS as ATTENDANCE_PAYLOADS
from studyspot.services.booking import consumers as booking_consumers
from studyspot.services.booking.consumers import CONSUMERS as BOOKING_CONSUMERS
from studyspot.services.booking.events import BookingEvent
from studyspot.services.library.capacity import TOPIC as CAPACITY_TOPIC
from studyspot.services.library.capacity import CapacityChanged
from studyspot.services.message import consumers as message_consumers
from studyspot.services.message import library_notices
from studyspot.services.message.consumers import CONSUMERS as MESSAGE_CONSUMERS
from studyspot.services.message.consumers import STUDENT_NOTICES
from studyspot.services.message.credits import CREDITS_COUNTED, CreditsCounted
from studyspot.services.message.owner_notices import OWNER_NOTICES
from studyspot.services.message.templates import check_variables, kind_of, variables_for
from studyspot.services.payment import consumers as payment_consumers
from studyspot.services.payment.consumers import CONSUMERS as PAYMENT_CONSUMERS
from studyspot.services.payment.events import (
    PaymentCapturedNotice,
    PaymentFailed,
    RefundProcessed,
)
from studyspot.services.student.client import (
    ADMITTED_TOPIC,
    CONSENT_TOPIC,
    GUARDIAN_CONSENT_TOPIC,
    GuardianConsentNeeded,
    StudentAdmitted,
    StudentConsentRecorded,
)
from studyspot.services.subscription.client import CREDITS_PURCHASED, CreditsPurchased
from studyspot.services.subscription.events import SubscriptionChanged


def _booking_models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    todo: list[type[BookingEvent]] = [BookingEvent]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "topic" in cls.__dict__:
            found[cls.topic] = cls
    return found


# The producer's model of every topic published with one.
PRODUCED: dict[str, type[BaseModel]] = {
    **_booking_models(),
    "payment.captured": PaymentCapturedNotice,
    "payment.failed": PaymentFailed,
    "refund.processed": RefundProcessed,
    **ATTENDANCE_PAYLOADS,
    CONSENT_TOPIC: StudentConsentRecorded,
    ADMITTED_TOPIC: StudentAdmitted,
    GUARDIAN_CONSENT_TOPIC: GuardianConsentNeeded,
    CAPACITY_TOPIC: CapacityChanged,
    CREDITS_COUNTED: CreditsCounted,
    # Every subscription.<change> of a tenant's subscription (the plan catalog's
    # subscription.plan_* carry no tenant, and analytics passes over those).
    "subscription.*": SubscriptionChanged,
    # ... and besides the subscription's state, the credits sold (the message wallet's).
    CREDITS_PURCHASED: CreditsPurchased,
}
# Consumed topics still published as plain dictionaries, not checked here: the auth
# service's one-time links and the subscription service's notices to owners.
UNTYPED = {
    "auth.password_reset_requested",
    "auth.set_password_requested",
    *OWNER_NOTICES,
}


def _analytics_model(topic: str) -> type[BaseModel]:
    """The model analytics' projection reads `topic` with (as `projection.subject_of`)."""
    if topic.startswith("booking."):
        return projection._Booking
    others: dict[str, type[BaseModel]] = {
        "payment.captured": projection._Captured,
        "refund.processed": projection._Refunded,
        "attendance.checked_in": projection._Attendance,
        "attendance.checked_out": projection._Attendance,
        "attendance.no_show": projection._NoShow,
        CAPACITY_TOPIC: projection._Capacity,
        CREDITS_COUNTED: projection._Credits,
        "subscription.*": projection._Subscription,
    }
    return others[topic]


# (consumer, topic, the consumer's model of the payload)
READERS: list[tuple[str, str, type[BaseModel]]] = [
    ("booking_on_payment_captured", "payment.captured", booking_consumers.PaymentCaptured),
    ("booking_on_no_show", "attendance.no_show", booking_consumers.NoShow),
    ("payment_dues_on_booking_created", "booking.created", payment_consumers.BookingCreated),
    (
        "payment_dues_on_booking_cancelled",
        "booking.cancelled",
        payment_consumers.BookingCancelled,
    ),
    ("payment_dues_on_booking_expired", "booking.expired", payment_consumers.BookingExpired),
    (
        "payment_dues_on_booking_transferred",
        "booking.transferred",
        payment_consumers.BookingTransferred,
    ),
    (
        "payment_refund_on_confirmation_failed",
        "booking.confirmation_failed",
        payment_consumers.BookingConfirmationFailed,
    ),
    ("message_payment_receipts", "payment.captured", message_consumers.PaymentReceipt),
    ("message_payment_outcomes", "payment.failed", message_consumers.PaymentFailedNotice),
    ("message_payment_outcomes", "refund.processed", message_consumers.RefundNotice),
    ("message_student_consents", CONSENT_TOPIC, StudentConsentRecorded),
    ("message_guardian_consents", GUARDIAN_CONSENT_TOPIC, GuardianConsentNeeded),
    ("message_credit_purchases", CREDITS_PURCHASED, CreditsPurchased),
    ("message_library_notices", ADMITTED_TOPIC, library_notices._Admitted),
    ("message_library_notices", "payment.captured", library_notices._Paid),
    ("message_library_notices", "booking.cancelled", library_notices._Cancelled),
    *(
        ("analytics_projection", topic, _analytics_model(topic))
        for topic in (*sorted(projection.TOPICS), *projection.PLATFORM_TOPICS)
    ),
]


def _consumed() -> set[tuple[str, str]]:
    return {
        (consumer.name, topic)
        for consumer in (
            *BOOKING_CONSUMERS,
            *PAYMENT_CONSUMERS,
            *MESSAGE_CONSUMERS,
            *ANALYTICS_CONSUMERS,
        )
        for topic in consumer.topics
    }


def test_every_consumed_topic_has_a_producer_model_and_a_checked_reader() -> None:
    consumed = _consumed()
    assert {topic for _, topic in consumed} - UNTYPED <= PRODUCED.keys()
    checked = {(name, topic) for name, topic, _ in READERS}
    checked |= {("message_student_notices", topic) for topic in STUDENT_NOTICES}
    assert {(n, t) for n, t in consumed if t not in UNTYPED} == checked


# --- types -------------------------------------------------------------------------------


def _parts(annotation: Any) -> tuple[set[Any], bool]:
    """The non-null types an annotation allows, and whether it allows null."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = typing.get_args(annotation)
        return {a for a in args if a is not type(None)}, type(None) in args
    return {annotation}, False


def _fits(produced: Any, read: Any) -> bool:
    """Whether every value of type `produced` is one `read` accepts."""
    if produced == read or read is Any:
        return True
    if typing.get_origin(produced) is Literal:
        values = typing.get_args(produced)
        if typing.get_origin(read) is Literal:
            return set(values) <= set(typing.get_args(read))
        return all(isinstance(v, read) for v in values if isinstance(read, type))
    if typing.get_origin(produced) is list and typing.get_origin(read) is list:
        return _fits(typing.get_args(produced)[0], typing.get_args(read)[0])
    if isinstance(produced, type) and issubclass(produced, BaseModel):
        return (
            isinstance(read, type)
            and issubclass(read, BaseModel)
            and not _mismatches(produced, read)
        )
    return False


def _mismatches(producer: type[BaseModel], reader: type[BaseModel]) -> list[str]:
    problems = []
    produced = producer.model_fields
    for name, field in reader.model_fields.items():
        if name not in produced:
            if field.is_required():
                problems.append(f"{name}: not published")
            continue
        made, may_be_null = _parts(produced[name].annotation)
        wanted, takes_null = _parts(field.annotation)
        if may_be_null and not takes_null:
            problems.append(f"{name}: published as null, read as a value")
        for kind in made:
            if not any(_fits(kind, want) for want in wanted):
                problems.append(f"{name}: published {kind}, read as {field.annotation}")
    return problems


@pytest.mark.parametrize(("consumer", "topic", "reader"), READERS)
def test_what_a_consumer_reads_is_published_with_the_same_types(
    consumer: str, topic: str, reader: type[BaseModel]
) -> None:
    assert _mismatches(PRODUCED[topic], reader) == [], f"{consumer} reading {topic}"


# --- a payload made the producer's way, through the consumer's parsing ---------------------


def _bound(field: FieldInfo) -> int:
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Gt):
            return int(str(rule.gt)) + 1
        if isinstance(rule, annotated_types.Ge):
            return int(str(rule.ge))
    return 12_345


def _value(annotation: Any, field: FieldInfo) -> Any:
    if field.examples:  # a value a pattern accepts (e.g. a month, YYYY-MM)
        return field.examples[0]
    kinds, _ = _parts(annotation)
    kind = sorted(kinds, key=str)[0]
    origin = typing.get_origin(kind)
    if origin is Literal:
        return typing.get_args(kind)[0]
    if origin is list:
        return [_value(typing.get_args(kind)[0], FieldInfo())]
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return _sample(kind)
    return {
        uuid.UUID: uuid.uuid4(),
        int: _bound(field),
        str: "INV-1",
        bool: True,
        date: date(2026, 12, 7),
        datetime: datetime(2026, 12, 7, 5, 30, tzinfo=UTC),
    }[kind]


def _sample(model: type[BaseModel]) -> BaseModel:
    """An instance with a value in every field (nullable ones too)."""
    return model(**{name: _value(f.annotation, f) for name, f in model.model_fields.items()})


@pytest.mark.parametrize(("consumer", "topic", "reader"), READERS)
def test_a_published_payload_parses_with_the_values_the_producer_put_in(
    consumer: str, topic: str, reader: type[BaseModel]
) -> None:
    made = _sample(PRODUCED[topic])
    payload = made.model_dump(mode="json")  # as the outbox stores it
    read = reader.model_validate(payload)
    for name in reader.model_fields.keys() & PRODUCED[topic].model_fields.keys():
        assert getattr(read, name) == getattr(made, name), f"{consumer}: {topic}.{name}"


@pytest.mark.parametrize(("topic", "kind"), sorted(STUDENT_NOTICES.items()))
def test_a_student_notice_finds_its_template_variables_in_the_event(topic: str, kind: str) -> None:
    payload = _sample(PRODUCED[topic]).model_dump(mode="json")
    uuid.UUID(payload["student_id"])  # whom the message service notifies
    variables = variables_for(kind, payload)
    # `name` is the recipient's, filled in when the notice is sent.
    assert set(kind_of(kind).variables) - {"name"} <= variables.keys()
    check_variables(kind_of(kind), variables)  # each of its declared type
