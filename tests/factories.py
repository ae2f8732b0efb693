"""factory_boy factories for the system core; apps add theirs in tests/<app>/factories.py."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from lacs.models import Category, ContactPoint, ContactPointKind, Entity, EntityKind, RoleAssignment

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@cdmx.example")
    first_name = factory.Faker("first_name", locale="es_MX")
    last_name = factory.Faker("last_name", locale="es_MX")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity

    name = factory.Sequence(lambda n: f"Secretaría de Prueba {n}")
    acronym = factory.Sequence(lambda n: f"SP{n}")
    kind = EntityKind.SECRETARIA


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"categoria-{n}")
    name = factory.Sequence(lambda n: f"Categoría {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    entity = factory.SubFactory(EntityFactory)
    user = factory.SubFactory(UserFactory)
    kind = ContactPointKind.PRIMARY
    start = dt.date(2020, 1, 1)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    start = dt.date(2020, 1, 1)
