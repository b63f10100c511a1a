"""Browser smoke test in real headless Chromium (Debian chromium + chromium-driver, Selenium).

Starts the built `onewindow` server on 127.0.0.1 with a fresh data directory, then as a citizen searches the guide
for 异地就医 and opens the item, and as the admin signs in and imports the provincial catalogue from the admin page,
watching its progress to the result table. Screenshots go to artifacts/browser/.

Usage: python3 Tests/browser/smoke.py [path/to/onewindow]
Prints 'browser: N passed, M failed' and exits non-zero on any failure.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "onewindow")
CATALOG = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "catalog", "hubei-2023-items.csv"))
ARTIFACTS = os.path.join(ROOT, "artifacts", "browser")
PASSWORD = "smoke-admin-2025"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir, port):
    env = dict(os.environ, ONEWINDOW_DATA_DIR=data_dir, ONEWINDOW_ADMIN_PASSWORD=PASSWORD, LOG_LEVEL="warning")
    log = open(os.path.join(data_dir, "server.log"), "w")
    process = subprocess.Popen([BINARY, "serve", "--hostname", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("server did not start; see " + log.name)


def browser():
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=zh-CN"]:
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def sign_in_as_admin(driver, wait, base):
    """Signs out whoever is signed in, then signs in as the admin, who lands on 中心管理."""
    driver.get(base + "/")
    for form in driver.find_elements(By.CSS_SELECTOR, "form[action='/signout'] button"):
        form.click()
        wait.until(EC.presence_of_element_located((By.LINK_TEXT, "工作人员登录")))
    driver.get(base + "/signin")
    driver.find_element(By.ID, "username").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait.until(EC.url_to_be(base + "/admin"))


def clerk_case(driver, wait, base, check):
    """Issue 3: a clerk signs in, a missing material gives the 一次性告知书, then the 即办件 is accepted and
    completed on the spot, and the case page shows the timeline."""
    # The admin creates the clerk's account (first password must be changed at first sign-in).
    driver.get(base + "/admin/staff/new")
    driver.find_element(By.ID, "username").send_keys("clerk1")
    driver.find_element(By.ID, "displayName").send_keys("王小窗")
    role = driver.find_element(By.CSS_SELECTOR, "input[name='roles[]'][value='clerk']")
    if not role.is_selected():  # the new-account form starts with 综窗受理 ticked
        role.click()
    driver.find_element(By.ID, "password").send_keys("first-pass-2025")
    driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait.until(lambda d: d.current_url.split("?")[0].endswith("/admin/staff") or d.find_elements(By.CSS_SELECTOR, ".error"))
    driver.save_screenshot(os.path.join(ARTIFACTS, "6b-admin-staff.png"))
    check("the admin creates the clerk's account", "clerk1" in driver.find_element(By.TAG_NAME, "main").text
          and not driver.find_elements(By.CSS_SELECTOR, ".error"))
    driver.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
    # Let the sign-out finish before opening the sign-in page (a get racing the redirect lands on the home page).
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "工作人员登录")))

    driver.get(base + "/signin")
    driver.find_element(By.ID, "username").send_keys("clerk1")
    driver.find_element(By.ID, "password").send_keys("first-pass-2025")
    driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait.until(EC.url_contains("/account/password"))
    driver.find_element(By.ID, "current").send_keys("first-pass-2025")
    driver.find_element(By.ID, "password").send_keys("window-pass-2025")
    driver.find_element(By.ID, "confirm").send_keys("window-pass-2025")
    driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait.until(EC.url_contains("/cases/new"))
    check("the clerk lands on the 综窗受理 workbench", driver.find_element(By.TAG_NAME, "h1").text == "综窗受理")

    # Find the item with the keyboard.
    box = driver.find_element(By.ID, "q")
    box.send_keys("灵活就业")
    box.send_keys(Keys.ENTER)
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "灵活就业人员参保登记"))).click()
    wait.until(EC.presence_of_element_located((By.ID, "idNumber")))

    def fill_applicant():
        driver.find_element(By.ID, "idNumber").send_keys("１１０１０５１９９００３０７１０２８")
        driver.find_element(By.ID, "name").send_keys("刘小芳")
        driver.find_element(By.ID, "phone").send_keys("13800138000")

    fill_applicant()
    selects = driver.find_elements(By.CSS_SELECTOR, "select[id^='m_']")
    Select(selects[0]).select_by_value("original")  # the registration form is not handed in
    driver.save_screenshot(os.path.join(ARTIFACTS, "7-workbench.png"))
    driver.find_element(By.CSS_SELECTOR, "button[name=intent][value=complete]").click()
    wait.until(EC.url_contains("/notices/"))
    notice = driver.find_element(By.CSS_SELECTOR, "table.shortfalls").text
    check("the 一次性告知书 lists the missing form", "灵活就业人员参保登记表" in notice and "未提交" in notice)
    check("the notice does not list what was handed in", "居民身份证" not in notice)
    driver.save_screenshot(os.path.join(ARTIFACTS, "8-one-time-notice.png"))

    driver.find_element(By.LINK_TEXT, "材料补齐后重新受理").click()
    wait.until(EC.presence_of_element_located((By.ID, "idNumber")))
    # She is known now (the notice recorded her): leaving the ID field looks her up and fills in name and phone.
    driver.find_element(By.ID, "idNumber").send_keys("１１０１０５１９９００３０７１０２８", Keys.TAB)
    wait.until(lambda d: "已调取" in d.find_element(By.ID, "lookup-status").text)
    check("the look-up fills in the known applicant",
          driver.find_element(By.ID, "name").get_attribute("value") == "刘小芳"
          and driver.find_element(By.ID, "phone").get_attribute("value") == "13800138000")
    for select in driver.find_elements(By.CSS_SELECTOR, "select[id^='m_']"):
        Select(select).select_by_value("original")
    driver.find_element(By.CSS_SELECTOR, "button[name=intent][value=complete]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ol.timeline")))
    status = driver.find_element(By.CSS_SELECTOR, "p.case-status").text
    check("the case is completed on the spot and on time", "已办结" in status and "按时办结" in status)
    steps = [item.text for item in driver.find_elements(By.CSS_SELECTOR, "ol.timeline li")]
    check("the timeline shows 受理 then 办结 by the clerk",
          len(steps) == 2 and steps[0].split()[2:4] == ["受理", "·"] and "办结" in steps[1] and all("clerk1" in step for step in steps))
    check("the case page masks the applicant", "刘*芳" in driver.page_source and "110105199003071028" not in driver.page_source)
    driver.save_screenshot(os.path.join(ARTIFACTS, "9-case-page.png"))


def front_desk(driver, wait, base, check):
    """Issue 4: a ticket is taken at the kiosk, the clerk calls it at window 5, and the calling display (open in
    another window) shows it within a second and speaks it; a transfer and a no-show behave as specified."""
    # Pages reload after each action: a wait that tolerates the old page going away.
    wait = WebDriverWait(driver, 15, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException])
    console = driver.current_window_handle
    driver.switch_to.new_window("window")
    display = driver.current_window_handle
    driver.get(base + "/display/CY-ZX?voice=1")
    # Record what the display says (headless Chromium has no audio device).
    driver.execute_script("window.__spoken = []; window.speechSynthesis.speak = function (u) { window.__spoken.push(u.text + '|' + u.lang); };")
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "connection").text == "实时")
    check("the calling display connects live", True)

    driver.switch_to.window(console)
    for name in ["刘小芳", "", ""]:
        driver.get(base + "/kiosk/CY-ZX")
        if name:
            driver.find_element(By.ID, "name").send_keys(name)
        if name:
            driver.save_screenshot(os.path.join(ARTIFACTS, "10a-kiosk.png"))
        driver.find_element(By.CSS_SELECTOR, "button.kiosk-button[data-category='A']").click()
        wait.until(EC.presence_of_element_located((By.ID, "ticket-number")))
    check("the kiosk issues A003 as the third ticket of the day", driver.find_element(By.ID, "ticket-number").text == "A003")
    ahead = driver.find_element(By.ID, "ahead").text
    if ahead != "2":
        with urllib.request.urlopen(base + "/display/CY-ZX/state") as response:
            print("queue state:", response.read().decode("utf-8"))
    check(f"the slip says 2 people are ahead ({ahead})", ahead == "2")
    driver.save_screenshot(os.path.join(ARTIFACTS, "10-ticket-slip.png"))

    driver.get(base + "/desk")
    Select(driver.find_element(By.ID, "window")).select_by_visible_text("5 号 · 综合窗口 5（综合窗口）")
    for box in driver.find_elements(By.CSS_SELECTOR, "input[name='categories[]']"):
        if box.is_selected() and not box.find_element(By.XPATH, "..").text.strip().startswith("A "):
            box.click()  # window 5 calls 综合受理 only
    driver.find_element(By.CSS_SELECTOR, "form[action='/desk/signin'] button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "call-next")))
    driver.find_element(By.ID, "call-next").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".current-ticket .ticket-number")))
    check("the clerk calls A001 at window 5", driver.find_element(By.CSS_SELECTOR, ".current-ticket .ticket-number").text == "A001")
    driver.switch_to.window(display)
    started = time.time()
    try:
        WebDriverWait(driver, 1.0, poll_frequency=0.05).until(lambda d: "A001" in d.find_element(By.ID, "calls").text)
        shown = True
    except Exception:
        shown = False
    check(f"the display shows A001 within a second ({time.time() - started:.2f} s after the call page returned)", shown)
    check("the display announces 请 A001 号到 5 号窗口办理", driver.find_element(By.ID, "announce").text == "请 A001 号到 5 号窗口办理")
    check("the display speaks the call in Chinese", "请 A001 号到 5 号窗口办理|zh-CN" in driver.execute_script("return window.__spoken"))
    check("the display masks the name", "刘*芳" in driver.find_element(By.ID, "calls").text and "刘小芳" not in driver.page_source)
    driver.save_screenshot(os.path.join(ARTIFACTS, "11-calling-display.png"))

    # Transfer A001 to 不动产登记: it leaves window 5 and waits in B with its original time.
    driver.switch_to.window(console)
    Select(driver.find_element(By.CSS_SELECTOR, "select.transfer-target")).select_by_visible_text("B 不动产登记")
    driver.find_element(By.ID, "transfer").click()
    wait.until(lambda d: "已转移" in d.find_element(By.CSS_SELECTOR, "p.ok").text)
    check("the transfer is confirmed", "已转移，原取号时间保留" in driver.find_element(By.CSS_SELECTOR, "p.ok").text)
    check("the console shows B 不动产登记 with 1 waiting", "B 不动产登记：1 人" in driver.find_element(By.CSS_SELECTOR, "ul.waiting-list").text)
    driver.switch_to.window(display)
    WebDriverWait(driver, 2).until(lambda d: "B 不动产登记：1 人" in d.find_element(By.ID, "waiting").text)
    check("the display moves A001 to the B queue", "A001" not in driver.find_element(By.ID, "calls").text)

    # A no-show: A002 is called, 过号 is refused before 2 recalls, then accepted.
    driver.switch_to.window(console)
    driver.find_element(By.ID, "call-next").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".current-ticket .ticket-number").text == "A002")
    driver.find_element(By.ID, "skip").click()
    wait.until(lambda d: d.find_element(By.ID, "desk-error").text)
    check("过号 before two recalls is refused", "过号前须重呼 2 次" in driver.find_element(By.ID, "desk-error").text)
    driver.get(driver.current_url.split("/tickets/")[0])
    for n in (1, 2):
        driver.find_element(By.ID, "recall").click()
        wait.until(lambda d, n=n: f"已重呼 {n} 次" in d.find_element(By.CSS_SELECTOR, ".current-ticket h2").text)
    check("two recalls are counted", "已重呼 2 次" in driver.find_element(By.CSS_SELECTOR, ".current-ticket h2").text)
    driver.find_element(By.ID, "skip").click()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".current-ticket"))
    check("A002 is marked 过号", "A002（过号" in driver.find_element(By.TAG_NAME, "main").text)
    driver.save_screenshot(os.path.join(ARTIFACTS, "12-window-console.png"))
    driver.switch_to.window(display)
    WebDriverWait(driver, 2).until(lambda d: "过号" in d.find_element(By.ID, "calls").text)
    check("the display marks A002 过号 and stops calling it",
          "A002" in driver.find_element(By.ID, "calls").text and driver.find_element(By.ID, "announce").text == "请留意叫号")
    check("one ticket still waits in A", "A 综合受理：1 人" in driver.find_element(By.ID, "waiting").text)
    driver.close()
    driver.switch_to.window(console)


def rating_pad(driver, wait, base, check):
    """Issue 6: the clerk moves to window 3 and finishes a service there; the rating pad of window 3 (a tablet page,
    open in another window) shows that service, and one tap records 非常满意."""
    wait = WebDriverWait(driver, 15, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException])
    console = driver.current_window_handle
    driver.find_element(By.CSS_SELECTOR, "form[action^='/desk/'][action$='/signout'] button").click()
    wait.until(EC.presence_of_element_located((By.ID, "window")))
    Select(driver.find_element(By.ID, "window")).select_by_visible_text("3 号 · 综合窗口 3（综合窗口）")
    for box in driver.find_elements(By.CSS_SELECTOR, "input[name='categories[]']"):
        if box.is_selected() and not box.find_element(By.XPATH, "..").text.strip().startswith("A "):
            box.click()  # window 3 calls 综合受理 only (A001 waits in B)
    driver.find_element(By.CSS_SELECTOR, "form[action='/desk/signin'] button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "call-next")))
    window_id = driver.current_url.rstrip("/").split("/desk/")[1].split("?")[0]
    driver.switch_to.new_window("window")
    pad = driver.current_window_handle
    driver.get(base + "/pad/" + window_id)
    check("the pad of window 3 waits for a service", "办理完成后，请在这里为我们的服务评价" in driver.find_element(By.TAG_NAME, "main").text)

    driver.switch_to.window(console)
    driver.find_element(By.ID, "call-next").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".current-ticket .ticket-number").text == "A003")
    driver.find_element(By.ID, "begin").click()
    wait.until(EC.presence_of_element_located((By.ID, "finish")))
    driver.find_element(By.ID, "finish").click()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".current-ticket"))

    driver.switch_to.window(pad)  # it reloads by itself every 3 s while idle
    WebDriverWait(driver, 10, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(
        lambda d: d.find_elements(By.ID, "level-5"))
    service = driver.find_element(By.CSS_SELECTOR, ".pad-service").text
    check(f"the pad shows the service just finished at window 3 ({service})", service.startswith("A003 · 3 号窗口"))
    driver.save_screenshot(os.path.join(ARTIFACTS, "15-rating-pad.png"))
    driver.find_element(By.ID, "level-5").click()
    WebDriverWait(driver, 10, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(
        lambda d: d.find_elements(By.ID, "pad-thanks"))
    check("one tap records 非常满意", "您的评价“非常满意”已记录" in driver.find_element(By.ID, "pad-thanks").text)
    driver.save_screenshot(os.path.join(ARTIFACTS, "16-rating-pad-thanks.png"))
    driver.close()
    driver.switch_to.window(console)
    driver.get(base + "/ratings")
    check("the ratings page counts it", "整体评价 1 条" in driver.find_element(By.TAG_NAME, "main").text)


def hotline_call(driver, wait, base, check):
    """Issue 5: a hotline agent takes a call with the keyboard only (Alt+K 智能分类, Alt+S 保存并派单) and the
    order is dispatched; a citizen then finds it on the public status page, masked."""
    wait = WebDriverWait(driver, 15, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException])
    sign_in_as_admin(driver, wait, base)
    driver.get(base + "/admin/staff/new")
    driver.find_element(By.ID, "username").send_keys("agent1")
    driver.find_element(By.ID, "displayName").send_keys("李话务")
    for box in driver.find_elements(By.CSS_SELECTOR, "input[name='roles[]']"):
        if box.is_selected() != (box.get_attribute("value") == "hotlineAgent"):
            box.click()
    driver.find_element(By.ID, "password").send_keys("agent-pass-2025")
    driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait.until(lambda d: d.current_url.split("?")[0].endswith("/admin/staff"))
    driver.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "工作人员登录")))
    driver.get(base + "/signin")
    driver.find_element(By.ID, "username").send_keys("agent1")
    driver.find_element(By.ID, "password").send_keys("agent-pass-2025")
    driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait.until(EC.url_contains("/account/password"))
    driver.find_element(By.ID, "current").send_keys("agent-pass-2025")
    driver.find_element(By.ID, "password").send_keys("hotline-pass-2025")
    driver.find_element(By.ID, "confirm").send_keys("hotline-pass-2025")
    driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait.until(lambda d: "/account/password" not in d.current_url)

    # The call form: the phone field has the focus; Tab moves through the fields; Alt+K classifies.
    driver.get(base + "/hotline/new")
    active = driver.switch_to.active_element
    check("the call form opens with the cursor in 联系电话", active.get_attribute("id") == "phone")
    active.send_keys("13800138000", Keys.TAB, "王建国", Keys.TAB)
    driver.find_element(By.ID, "content").send_keys("天城镇桃溪路的路灯已经坏了一个星期，晚上一片漆黑，请尽快维修。")
    driver.find_element(By.ID, "address").send_keys("天城镇桃溪路")
    driver.find_element(By.ID, "address").send_keys(Keys.ALT, "k")
    wait.until(EC.presence_of_element_located((By.ID, "lead")))
    check("Alt+K shows the dispatch part of the form", "推荐分类" in driver.find_element(By.TAG_NAME, "main").text)
    Select(driver.find_element(By.ID, "category-all")).select_by_visible_text("　　城市公共设施")
    Select(driver.find_element(By.ID, "lead")).select_by_visible_text("县住建局")
    driver.save_screenshot(os.path.join(ARTIFACTS, "20-hotline-call.png"))
    driver.find_element(By.ID, "lead").send_keys(Keys.ALT, "s")
    wait.until(EC.url_contains("/hotline/orders/"))
    heading = driver.find_element(By.TAG_NAME, "h1").text
    check(f"Alt+S registers and dispatches the order ({heading})", heading.startswith("工单 12345-") and "待签收" in heading)
    main = driver.find_element(By.TAG_NAME, "main").text
    check("the order page masks the appellant", "王*国 · 138****8000" in main and "13800138000" not in driver.page_source)
    check("the order shows its category and lead department",
          "城乡建设 › 城市建设和市政管理 › 城市公共设施" in main and "县住建局" in main)
    driver.save_screenshot(os.path.join(ARTIFACTS, "21-hotline-order.png"))
    number = heading.split()[1]
    driver.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "工作人员登录")))

    driver.get(base + "/hotline/status?number=" + number + "&phone4=8000")
    status = driver.find_element(By.TAG_NAME, "main").text
    check("the citizen sees the order as 已交承办单位", "已交承办单位" in status)
    driver.save_screenshot(os.path.join(ARTIFACTS, "22-hotline-status.png"))


def annual_report(driver, wait, base, check):
    """Issue 7: the admin opens the 数说成绩单 of the simulated 0.1 % year, drills into a figure, then watches the live
    dashboard count a ticket taken at the kiosk without reloading."""
    wait = WebDriverWait(driver, 15, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException])
    sign_in_as_admin(driver, wait, base)
    driver.get(base + "/annual?year=2024")
    row = wait.until(EC.presence_of_element_located((By.ID, "cases.instant")))
    check("annual report: 其中即办件 310 (the 0.1 % year)", "310" in row.find_element(By.CSS_SELECTOR, "td.figure").text)
    check("annual report: 工单量 19", "19" == driver.find_element(By.ID, "hotline.orders").find_element(By.CSS_SELECTOR, "td.figure strong").text)
    check("annual report draws its three charts", len(driver.find_elements(By.CSS_SELECTOR, ".charts svg.chart")) == 3)
    driver.save_screenshot(os.path.join(ARTIFACTS, "40-annual-report.png"))
    row.find_element(By.CSS_SELECTOR, "td.figure a").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.list")))
    check("drill-down lists the 310 records behind the figure", "共 310 条记录" in driver.find_element(By.TAG_NAME, "main").text)
    driver.save_screenshot(os.path.join(ARTIFACTS, "41-annual-drilldown.png"))

    driver.get(base + "/dashboard")
    figure = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-figure=waitingTotal]")))
    before = int(figure.text)
    request = urllib.request.Request(base + "/api/v1/halls/CY-ZX/tickets", data=b'{"category": "A"}', method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        check("a kiosk ticket is issued through the API", response.status == 201)
    WebDriverWait(driver, 12).until(lambda d: int(d.find_element(By.CSS_SELECTOR, "[data-figure=waitingTotal]").text) == before + 1)
    check("the dashboard counts the new ticket without a reload", True)
    driver.save_screenshot(os.path.join(ARTIFACTS, "42-dashboard.png"))


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="ow-browser-")
    # A 0.1 % year of the model county for the 数说成绩单 step.
    subprocess.run([BINARY, "simulate", "--profile", "chongyang-2024", "--scale", "0.001", "--seed", "3"], cwd=ROOT, check=True,
                   env=dict(os.environ, ONEWINDOW_DATA_DIR=data_dir, LOG_LEVEL="warning"), stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port)
    driver = browser()
    wait = WebDriverWait(driver, 20)
    results = []

    def check(name, condition):
        results.append((name, bool(condition)))
        print(("ok   " if condition else "FAIL ") + name, flush=True)

    try:
        # A citizen searches the guide and opens an item.
        driver.get(base + "/guide")
        box = wait.until(EC.presence_of_element_located((By.ID, "q")))
        box.send_keys("异地就医")
        box.send_keys(Keys.ENTER)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.results")))
        driver.save_screenshot(os.path.join(ARTIFACTS, "1-guide-search.png"))
        check("search 异地就医 finds 异地就医备案", "异地就医备案" in driver.find_element(By.CSS_SELECTOR, "table.results").text)
        driver.find_element(By.LINK_TEXT, "异地就医备案").click()
        heading = wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
        check("item page shows its name", heading.text == "异地就医备案")
        check("item page shows the promised limit", "即办（当场办结）" in driver.page_source)
        driver.save_screenshot(os.path.join(ARTIFACTS, "2-guide-item.png"))

        # 长辈版 from any page, keyboard reachable.
        driver.find_element(By.LINK_TEXT, "长辈版（大字）").click()
        check("elder mode switches on", "elder" in driver.find_element(By.TAG_NAME, "body").get_attribute("class"))
        driver.save_screenshot(os.path.join(ARTIFACTS, "3-guide-item-elder.png"))
        driver.find_element(By.LINK_TEXT, "标准版").click()

        # The admin signs in.
        driver.get(base + "/signin")
        driver.find_element(By.ID, "username").send_keys("admin")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        wait.until(EC.url_to_be(base + "/admin"))
        check("admin lands on 中心管理", driver.find_element(By.TAG_NAME, "h1").text == "中心管理")
        driver.save_screenshot(os.path.join(ARTIFACTS, "4-admin-home.png"))

        # And imports the provincial catalogue from the admin page.
        driver.get(base + "/admin/catalog/imports")
        driver.find_element(By.ID, "file").send_keys(CATALOG)
        driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.ID, "bar")))
        # Done once the page has reloaded itself with the finished run (not just when the bar reaches 626).
        WebDriverWait(driver, 60, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(
            lambda d: "626 / 626" in d.find_element(By.ID, "progress-text").text
            and d.find_element(By.ID, "import-progress").get_attribute("data-running") != "true")
        tabs = driver.find_element(By.CSS_SELECTOR, "nav.tabs").text
        check("import result shows 新增 186", "新增 186" in tabs)
        check("import result shows 存疑（草稿） 440", "存疑（草稿） 440" in tabs)
        driver.save_screenshot(os.path.join(ARTIFACTS, "5-admin-import.png"))
        driver.get(base + "/admin/catalog/drafts")
        check("drafts page lists the flagged items", "共 440 个" in driver.find_element(By.TAG_NAME, "h1").text)
        driver.save_screenshot(os.path.join(ARTIFACTS, "6-admin-drafts.png"))

        clerk_case(driver, wait, base, check)
        front_desk(driver, wait, base, check)
        rating_pad(driver, wait, base, check)
        hotline_call(driver, wait, base, check)
        annual_report(driver, wait, base, check)
    except Exception as error:  # a step that could not run is a failure, with its reason
        check(f"browser steps ran without error ({type(error).__name__}: {error})", False)
        driver.save_screenshot(os.path.join(ARTIFACTS, "error.png"))
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)

    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
