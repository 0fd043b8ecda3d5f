/*
 * hashfed intake page: hashes reported files on this device (hashfed's PDQ and
 * MD5/SHA-256 compiled to WebAssembly, hfwasm.js) and sends only the hashes,
 * the URLs, the contact and the consent to the node (POST /intake/v1/reports).
 * Images are decoded by the browser's own decoders; videos are sampled one
 * frame per second through a <video> element. No file byte leaves the page.
 */
"use strict";
(function () {
  var EN = {
    skip: "Skip to the form",
    title: "Report intimate images or deepfakes",
    privacy_h: "Your file never leaves this device",
    privacy_p: "The photo or video you choose is opened only inside this browser. This device computes the file's fingerprints (hashes) and sends only those and what you write below. The file itself is never uploaded.",
    leaves_h: "What is sent",
    leaves_hash: "Per file: fingerprints PDQ (picture / video scenes), MD5, SHA-256",
    leaves_urls: "The addresses (URLs) where you saw it",
    leaves_contact: "The one contact method you choose",
    leaves_consent: "Your consent",
    stays_h: "What is not sent",
    stays_file: "The photo or video file, its name, any preview on screen",
    files_legend: "1. Choose photos or videos",
    files_label: "Files (you can choose several)",
    files_help: "Photos (JPEG, PNG, WebP) or videos. For a video, one scene per second is fingerprinted.",
    hash_caption: "Computed fingerprints (only these are sent)",
    col_no: "No.", col_kind: "Type", col_remove: "Remove",
    urls_legend: "2. Where you saw it",
    urls_label: "Addresses (URLs), one per line",
    urls_help: "Addresses starting with http:// or https://, at most 20.",
    who_legend: "3. About you",
    role_label: "I am",
    role_victim: "the person shown",
    role_rep: "a representative or guardian of the person shown",
    role_third: "someone else (a witness)",
    channel_label: "How to contact you",
    ch_email: "E-mail", ch_phone: "Phone / text message", ch_none: "Do not contact me",
    contact_label: "Contact",
    contact_help: "Used only by a counselor to tell you how your report is going.",
    consent_legend: "4. Consent",
    consent_label: "I agree to send the fingerprints, addresses and contact above to the victim support center. The center uses the fingerprints to find the same pictures or videos, to ask for their removal, and to see whether another agency already has the same report.",
    submit: "Send report",
    done_h: "Your report was received",
    done_ref: "Receipt number",
    done_p: "A counselor will check it and contact you the way you chose. No file was sent.",
    st_loading: "Preparing the fingerprint tool…",
    st_nowasm: "The fingerprint tool could not be loaded; please use the hotline.",
    st_hashing: "Computing fingerprints on this device: {n} of {total}…",
    st_done: "{n} file(s) fingerprinted on this device. Nothing has been sent yet.",
    st_fail: "Could not read {name}: {why}",
    st_sending: "Sending the fingerprints…",
    err_nofile: "Choose at least one photo or video.",
    err_busy: "Please wait until the fingerprints are computed.",
    err_consent: "Please tick the consent box.",
    err_url: "This is not a web address: {url}",
    err_contact: "Please enter how we can contact you, or choose “Do not contact me”.",
    err_send: "The report could not be sent ({why}). Please try again.",
    kind_image: "photo", kind_video: "video ({n} scenes)", remove: "Remove"
  };
  var KO_EXTRA = {
    st_loading: "지문 계산 도구를 준비하는 중…",
    st_nowasm: "지문 계산 도구를 불러오지 못했습니다. 상담 전화를 이용해 주세요.",
    st_hashing: "이 기기에서 지문을 계산하는 중: {total}개 중 {n}번째…",
    st_done: "{n}개 파일의 지문을 이 기기에서 계산했습니다. 아직 아무것도 보내지 않았습니다.",
    st_fail: "{name} 파일을 읽지 못했습니다: {why}",
    st_sending: "지문을 보내는 중…",
    err_nofile: "사진이나 영상을 하나 이상 선택해 주세요.",
    err_busy: "지문 계산이 끝날 때까지 기다려 주세요.",
    err_consent: "동의란에 표시해 주세요.",
    err_url: "웹 주소가 아닙니다: {url}",
    err_contact: "연락처를 적거나 ‘연락받지 않음’을 선택해 주세요.",
    err_send: "신고를 보내지 못했습니다({why}). 다시 시도해 주세요.",
    kind_image: "사진", kind_video: "영상 (장면 {n}개)", remove: "삭제"
  };
  var MAX_FILES = 50, MAX_URLS = 20, MAX_FRAMES = 600, CHUNK = 4 << 20;
  var KO = {};
  var lang = "ko";
  var mod = null;
  var items = [];      /* {kind, md5, sha256, pdq, quality} | {kind:"video", ..., frames} */
  var pending = 0;
  var $ = function (id) { return document.getElementById(id); };

  function t(key, args) {
    var s = (lang === "en" ? EN : KO)[key] || EN[key] || key;
    Object.keys(args || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(args[k])); });
    return s;
  }

  function setLang(l) {
    lang = l;
    document.documentElement.lang = l;
    document.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = t(el.getAttribute("data-i18n"));
    });
    $("lang-ko").setAttribute("aria-pressed", String(l === "ko"));
    $("lang-en").setAttribute("aria-pressed", String(l === "en"));
    renderRows();
  }

  function status(key, args) { $("hash-status").textContent = t(key, args); }

  /* ---- hashing (wasm) ---- */
  function heapCopy(u8) {
    var p = mod._malloc(Math.max(1, u8.length));
    if (!p) throw new Error("out of memory");
    mod.HEAPU8.set(u8, p);
    return p;
  }

  async function digests(file) {
    var d = mod._hfw_digest_new();
    for (var off = 0; off < file.size; off += CHUNK) {
      var u8 = new Uint8Array(await file.slice(off, off + CHUNK).arrayBuffer());
      var p = heapCopy(u8);
      mod._hfw_digest_update(d, p, u8.length);
      mod._free(p);
    }
    var out = mod._malloc(33 + 65);
    mod._hfw_digest_final(d, out, out + 33);
    var r = { md5: mod.UTF8ToString(out, 32), sha256: mod.UTF8ToString(out + 33, 64) };
    mod._free(out);
    return r;
  }

  /* PDQ of RGBA pixels (ImageData.data). */
  /* fn: mod._hfw_pdq_rgba (a photo, as `hashfed hash`) or mod._hfw_vpdq_frame_rgba (a
   * video frame, as native vPDQ: full size, no pre-resize). */
  function pdqRgba(data, w, h, fn) {
    var p = heapCopy(data);
    var out = mod._malloc(72); /* 65 bytes of hex, then the quality at +68 */
    var rc = (fn || mod._hfw_pdq_rgba)(p, w, h, out, out + 68);
    mod._free(p);
    var r = rc === 0 ? { pdq: mod.UTF8ToString(out, 64), quality: mod.HEAP32[(out + 68) >> 2] } : null;
    mod._free(out);
    if (rc !== 0) throw new Error("PDQ error " + rc);
    return r;
  }

  function canvasPixels(src, w, h) {
    var c = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(w, h)
      : Object.assign(document.createElement("canvas"), { width: w, height: h });
    var g = c.getContext("2d", { willReadFrequently: true, alpha: true, colorSpace: "srgb" });
    g.drawImage(src, 0, 0);
    return g.getImageData(0, 0, w, h).data;
  }

  /*
   * The native decoder ignores EXIF orientation; Chromium applies it even
   * with imageOrientation "none". So decode a copy (in memory, never sent)
   * whose JPEG orientation tag is set to 1. Returns {at, le}: the offset of
   * the tag's SHORT value in `u8` and its byte order, or null.
   */
  function exifOrientationOffset(u8) {
    if (u8.length < 4 || u8[0] !== 0xff || u8[1] !== 0xd8) return null;
    var dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    for (var off = 2; off + 4 <= u8.length;) {
      if (u8[off] !== 0xff) return null;
      var marker = u8[off + 1];
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { off += 2; continue; }
      if (marker === 0xda || marker === 0xd9) return null;
      var len = dv.getUint16(off + 2);
      var seg = off + 4, end = off + 2 + len;
      if (len < 2 || end > u8.length) return null;
      if (marker === 0xe1 && end - seg >= 14 && dv.getUint32(seg) === 0x45786966 && dv.getUint16(seg + 4) === 0) {
        var tiff = seg + 6, le = dv.getUint16(tiff) === 0x4949;
        var ifd = tiff + dv.getUint32(tiff + 4, le);
        if (ifd + 2 > end) return null;
        var n = dv.getUint16(ifd, le);
        for (var i = 0; i < n; i++) {
          var e = ifd + 2 + 12 * i;
          if (e + 12 > end) return null;
          if (dv.getUint16(e, le) === 0x0112 && dv.getUint16(e + 2, le) === 3) return { at: e + 8, le: le };
        }
        return null;
      }
      off = end;
    }
    return null;
  }

  async function decodeImage(file) {
    /* As the native decoder: stored pixels, EXIF orientation and colour
     * profiles ignored, alpha not composited. */
    var src = file;
    if (file.size <= (64 << 20)) {
      var head = new Uint8Array(await file.slice(0, 65536 + 4).arrayBuffer());
      var tag = exifOrientationOffset(head);
      if (tag !== null) {
        var copy = new Uint8Array(await file.arrayBuffer());
        new DataView(copy.buffer).setUint16(tag.at, 1, tag.le);
        src = new Blob([copy], { type: file.type });
      }
    }
    var opts = { colorSpaceConversion: "none", premultiplyAlpha: "none", imageOrientation: "none" };
    var bmp;
    try { bmp = await createImageBitmap(src, opts); } catch (e) {
      opts.imageOrientation = "from-image";
      bmp = await createImageBitmap(src, opts);
    }
    var px = canvasPixels(bmp, bmp.width, bmp.height);
    var r = { data: px, w: bmp.width, h: bmp.height };
    bmp.close();
    return r;
  }

  function once(el, ev) {
    return new Promise(function (res, rej) {
      function ok() { el.removeEventListener("error", bad); res(); }
      function bad() { el.removeEventListener(ev, ok); rej(new Error("video decode error")); }
      el.addEventListener(ev, ok, { once: true });
      el.addEventListener("error", bad, { once: true });
    });
  }

  /* One PDQ per second of video (t = 0, 1, 2 … s), each frame hashed as native vPDQ hashes
   * it; the frame list {ms, pdq, quality} is what POST /v1/match {"vpdq": ...} takes. */
  async function hashVideo(file) {
    var v = document.createElement("video");
    v.muted = true;
    v.preload = "auto";
    var url = URL.createObjectURL(file);
    try {
      v.src = url;
      await once(v, "loadeddata");
      var w = v.videoWidth, h = v.videoHeight, dur = v.duration;
      if (!(w > 0 && h > 0 && isFinite(dur))) throw new Error("not a video");
      var frames = [];
      for (var s = 0; s < dur && frames.length < MAX_FRAMES; s += 1) {
        v.currentTime = s;
        await once(v, "seeked");
        var px = canvasPixels(v, w, h);
        var r = pdqRgba(px, w, h, mod._hfw_vpdq_frame_rgba);
        frames.push({ ms: Math.round(s * 1000), pdq: r.pdq, quality: r.quality });
      }
      return { frames: frames, duration_ms: Math.round(dur * 1000), width: w, height: h };
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  async function hashFile(file) {
    var d = await digests(file);
    var item = { md5: d.md5, sha256: d.sha256 };
    if (/^video\//.test(file.type)) {
      var vr = await hashVideo(file);
      item.kind = "video";
      item.duration_ms = vr.duration_ms;
      item.frames = vr.frames;
    } else {
      var img = await decodeImage(file);
      var r = pdqRgba(img.data, img.w, img.h);
      item.kind = "image";
      item.pdq = r.pdq;
      item.quality = r.quality;
    }
    return item;
  }

  async function onFiles() {
    var files = Array.prototype.slice.call($("files").files, 0, MAX_FILES);
    if (!mod) { status("st_nowasm"); return; }
    pending += files.length;
    var errors = [];
    for (var i = 0; i < files.length; i++) {
      status("st_hashing", { n: i + 1, total: files.length });
      try {
        items.push(await hashFile(files[i]));
      } catch (e) {
        errors.push(t("st_fail", { name: files[i].name, why: e.message }));
        items.push({ kind: "error", error: String(e.message) });
      }
      pending--;
    }
    $("files").value = "";
    renderRows();
    status("st_done", { n: items.filter(function (x) { return x.kind !== "error"; }).length });
    if (errors.length) $("hash-status").textContent += " " + errors.join(" ");
    document.body.setAttribute("data-hashed", String(items.length));
  }

  function renderRows() {
    var tb = $("hash-rows");
    tb.textContent = "";
    items.forEach(function (it, i) {
      if (it.kind === "error") return;
      var tr = document.createElement("tr");
      var cells = [String(i + 1),
        it.kind === "video" ? t("kind_video", { n: it.frames.length }) : t("kind_image"),
        it.kind === "video" ? (it.frames[0] || {}).pdq || "" : it.pdq, it.sha256];
      cells.forEach(function (c, k) {
        var td = document.createElement(k === 0 ? "th" : "td");
        if (k === 0) td.scope = "row";
        if (k >= 2) { var code = document.createElement("code"); code.textContent = c; td.appendChild(code); }
        else td.textContent = c;
        tr.appendChild(td);
      });
      var td = document.createElement("td");
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = t("remove");
      b.setAttribute("aria-label", t("remove") + " " + (i + 1));
      b.addEventListener("click", function () { items.splice(i, 1); renderRows(); $("files").focus(); });
      td.appendChild(b);
      tr.appendChild(td);
      tb.appendChild(tr);
    });
    $("hash-table").hidden = tb.children.length === 0;
  }

  /* ---- the report ---- */
  function buildReport() {
    var good = items.filter(function (x) { return x.kind !== "error"; });
    if (pending > 0) throw new Error(t("err_busy"));
    if (good.length === 0) throw new Error(t("err_nofile"));
    var urls = $("urls").value.split(/\s*\n\s*/).map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length; }).slice(0, MAX_URLS);
    urls.forEach(function (u) {
      if (!/^https?:\/\/[^\s]+$/i.test(u) || u.length > 2048) throw new Error(t("err_url", { url: u }));
    });
    var channel = $("channel").value, contact = $("contact").value.trim();
    if (channel !== "none" && contact.length === 0) throw new Error(t("err_contact"));
    if (!$("consent").checked) throw new Error(t("err_consent"));
    return {
      lang: lang,
      role: $("role").value,
      items: good.map(function (x) {
        var o = { kind: x.kind, md5: x.md5, sha256: x.sha256 };
        if (x.kind === "image") { o.pdq = x.pdq; o.quality = x.quality; }
        else { o.duration_ms = x.duration_ms; o.frames = x.frames; }
        return o;
      }),
      urls: urls,
      contact: { channel: channel, value: channel === "none" ? "" : contact.slice(0, 256) },
      consent: true
    };
  }

  async function onSubmit(ev) {
    ev.preventDefault();
    var err = $("form-error");
    err.textContent = "";
    var body;
    try { body = buildReport(); } catch (e) { err.textContent = e.message; return; }
    status("st_sending");
    $("submit").disabled = true;
    try {
      var r = await fetch("/intake/v1/reports", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body), credentials: "omit", cache: "no-store"
      });
      var j = await r.json().catch(function () { return {}; });
      if (!r.ok) throw new Error(j.error || String(r.status));
      $("receipt").textContent = j.receipt;
      $("form").hidden = true;
      $("done").hidden = false;
      $("done").focus();
      document.body.setAttribute("data-receipt", j.receipt);
    } catch (e) {
      err.textContent = t("err_send", { why: e.message });
      $("submit").disabled = false;
    }
  }

  document.querySelectorAll("[data-i18n]").forEach(function (el) {
    KO[el.getAttribute("data-i18n")] = el.textContent;
  });
  Object.keys(KO_EXTRA).forEach(function (k) { KO[k] = KO_EXTRA[k]; });
  $("lang-ko").addEventListener("click", function () { setLang("ko"); });
  $("lang-en").addEventListener("click", function () { setLang("en"); });
  $("files").addEventListener("change", onFiles);
  $("form").addEventListener("submit", onSubmit);
  if (/^en\b/i.test(navigator.language || "") && !/[?&]lang=ko/.test(location.search)) setLang("en");
  if (/[?&]lang=en/.test(location.search)) setLang("en");
  status("st_loading");
  window.hfIntake = { hashFile: hashFile, pdqRgba: pdqRgba, items: items, ready: false };
  if (typeof HfWasm !== "function") { status("st_nowasm"); return; }
  HfWasm().then(function (m) {
    mod = m;
    window.hfIntake.ready = true;
    $("hash-status").textContent = "";
    document.body.setAttribute("data-ready", "1");
  }, function () { status("st_nowasm"); });
})();
