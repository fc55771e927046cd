"""The text-size control: a cookie, no JavaScript, no open redirect."""

from khub_plugin.common.context import TEXT_SIZE_COOKIE


def test_choosing_a_text_size_is_remembered(client, directory, user):
    client.force_login(user)
    response = client.post("/khub/text-size/", {"size": "larger", "next": directory.url})
    assert response.status_code == 302 and response["Location"] == directory.url
    assert response.cookies[TEXT_SIZE_COOKIE].value == "larger"
    html = client.get(directory.url).content.decode()
    assert 'class="khub khub--text-larger"' in html
    assert 'value="larger" class="khub-text-size__larger" aria-pressed="true"' in html


def test_unknown_sizes_and_foreign_redirects_are_ignored(client, user):
    client.force_login(user)
    response = client.post("/khub/text-size/", {"size": "<script>", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert TEXT_SIZE_COOKIE not in response.cookies
    client.cookies[TEXT_SIZE_COOKIE] = "<script>"
    assert client.get("/khub/my-communities/").context["khub_text_size"] == "standard"


def test_the_text_size_is_a_post(client):
    assert client.get("/khub/text-size/").status_code == 405
