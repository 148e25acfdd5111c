import re
from tests.pagekit import demo_client
def test_probe(demo_app):
    c = demo_client(demo_app, "stagiaire.sale@mre-academy.example", "fr")
    h = c.get("/courses/auto-obd-diagnostics/modules/fundamentals/lessons/connector-pinout").get_data(as_text=True)
    print(re.findall(r"<h[1-6][^>]*>.{0,60}", h))
    print(re.findall(r"<img[^>]*>", h))
