// 综窗受理: when the clerk leaves the ID field, look the applicant up and fill in name and phone if they are empty.
// The look-up shows personal data, so the server writes it to the audit log; the page says so.
(function () {
  var id = document.getElementById('idNumber');
  var kind = document.getElementById('applicantKind');
  var name = document.getElementById('name');
  var phone = document.getElementById('phone');
  var status = document.getElementById('lookup-status');
  if (!id || !name || !phone || !status) return;
  id.addEventListener('change', function () {
    var value = id.value.trim();
    if (value.length < 18) return;
    var url = '/cases/applicant?applicantKind=' + encodeURIComponent(kind ? kind.value : 'person') + '&idNumber=' + encodeURIComponent(value);
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (result) {
        if (!result.ok) { status.textContent = result.body.error ? result.body.error.message : ''; return; }
        if (!result.body.found) { status.textContent = '新申请人，请填写姓名和手机。'; return; }
        if (!name.value) name.value = result.body.name || '';
        if (!phone.value) phone.value = result.body.phone || '';
        status.textContent = '已调取申请人记录（已记入审计日志），请核对。';
      })
      .catch(function () { status.textContent = ''; });
  });
})();
