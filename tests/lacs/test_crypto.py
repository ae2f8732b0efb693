import pytest

from lacs import crypto


def test_sealed_text_opens_only_with_its_key_and_context():
    key = crypto.new_data_key()
    blob = crypto.seal_text(key, "contenido confidencial", b"report:1")
    assert b"confidencial" not in blob
    assert crypto.open_text(key, blob, b"report:1") == "contenido confidencial"
    with pytest.raises(crypto.CryptoError):
        crypto.open_text(crypto.new_data_key(), blob, b"report:1")
    with pytest.raises(crypto.CryptoError):
        crypto.open_text(key, blob, b"report:2")


def test_wrapped_key_unwraps_only_with_matching_private_key():
    private, public = crypto.new_keypair()
    other_private, _ = crypto.new_keypair()
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap_for(public, data_key)
    assert crypto.unwrap_with(private, wrapped) == data_key
    with pytest.raises(crypto.CryptoError):
        crypto.unwrap_with(other_private, wrapped)


def test_altered_wrap_is_rejected():
    private, public = crypto.new_keypair()
    wrapped = bytearray(crypto.wrap_for(public, crypto.new_data_key()))
    wrapped[-1] ^= 1
    with pytest.raises(crypto.CryptoError):
        crypto.unwrap_with(private, bytes(wrapped))


def test_derived_key_depends_on_secret_and_salt():
    salt = crypto.new_salt()
    first = crypto.derive_key("clave", salt, memory_kib=1024)
    assert first == crypto.derive_key("clave", salt, memory_kib=1024)
    assert first != crypto.derive_key("clave2", salt, memory_kib=1024)
    assert first != crypto.derive_key("clave", crypto.new_salt(), memory_kib=1024)
