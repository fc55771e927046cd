/*
 * khub member rich-text editor (progressive enhancement).
 *
 * Each <textarea data-khub-editor> (rendered by khub_plugin.common.richtext.RichTextEditor) gets a formatting
 * toolbar and a contenteditable area; the textarea is hidden and kept in step, so the form posts exactly what
 * it would without this script: the textarea's value. Without JavaScript the textarea stays and members type
 * plain text, which the server turns into paragraphs.
 *
 * Plain ES5 for old council browsers: no modules, no build step, no framework. document.execCommand is
 * deprecated but remains the only editing API every browser has; it is fine for this small tool.
 *
 * This script is a convenience, not a safeguard: the server sanitises everything it receives.
 *
 * A site can translate the labels by defining window.khubEditorText = {bold: "...", ...} before loading it.
 */
(function () {
  "use strict";

  var doc = document;
  if (!doc.querySelectorAll || !doc.execCommand || !window.getSelection || !doc.implementation) {
    return; // too old to edit reliably: the plain textarea still works
  }

  var TEXT = {
    toolbar: "Formatting",
    bold: "Bold",
    italic: "Italic",
    heading: "Heading",
    subheading: "Subheading",
    bulletedList: "Bulleted list",
    numberedList: "Numbered list",
    link: "Link",
    quote: "Quote",
    linkPrompt: "Web address for the link (starting with https://):",
    linkRefused: "That link cannot be used. Enter a web address starting with https://, http:// or mailto:, " +
      "or a path on this site starting with /."
  };
  var custom = window.khubEditorText || {};
  for (var key in custom) {
    if (Object.prototype.hasOwnProperty.call(custom, key)) { TEXT[key] = custom[key]; }
  }

  // "block": a formatBlock toggle; "command": an execCommand toggle; "state": the ancestor element showing it is on.
  var BUTTONS = [
    {name: "bold", command: "bold"},
    {name: "italic", command: "italic"},
    {name: "heading", block: "H2"},
    {name: "subheading", block: "H3"},
    {name: "bulletedList", command: "insertUnorderedList", state: "UL"},
    {name: "numberedList", command: "insertOrderedList", state: "OL"},
    {name: "link"},
    {name: "quote", block: "BLOCKQUOTE"}
  ];

  // What the editor keeps when it loads existing content: the server's allow-list (sanitize.py), roughly.
  var KEEP = " P BR STRONG B EM I U H2 H3 H4 UL OL LI BLOCKQUOTE A CODE PRE IMG ";
  var DROP_WITH_CONTENT = " SCRIPT STYLE SVG MATH IFRAME OBJECT EMBED TEMPLATE TEXTAREA SELECT TITLE HEAD " +
    "NOSCRIPT CANVAS AUDIO VIDEO ";
  var BLOCKS = " P H1 H2 H3 H4 H5 H6 UL OL LI BLOCKQUOTE PRE DIV TABLE HR ";
  // The same test as the server (richtext._HTML_TAG): a value with no real tag is plain text.
  var HTML_TAG = new RegExp("<!--|</?(?:a|abbr|address|applet|article|aside|audio|b|base|big|blockquote|" +
    "body|br|button|canvas|caption|center|cite|code|col|colgroup|dd|del|details|div|dl|dt|em|embed|" +
    "figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|" +
    "kbd|label|li|link|main|mark|math|meta|nav|noembed|noframes|noscript|object|ol|p|picture|plaintext|pre|" +
    "q|s|samp|script|section|select|small|source|span|strike|strong|style|sub|summary|sup|svg|table|tbody|" +
    "td|template|textarea|tfoot|th|thead|title|tr|tt|u|ul|var|video|xmp)(?=[\\s/>])", "i");

  function has(list, tagName) {
    return list.indexOf(" " + tagName + " ") !== -1;
  }

  function trim(value) {
    return String(value).replace(/^\s+|\s+$/g, "");
  }

  // http(s) and mailto links, and paths on this site. Everything else (javascript:, data:, ...) is refused.
  function safeUrl(url) {
    if (!url || /[\u0000-\u001f\u007f\s]/.test(url)) { return false; }
    var scheme = /^([a-z][a-z0-9+.\-]*):/i.exec(url);
    if (scheme) { return /^(https?:\/\/.|mailto:.)/i.test(url); }
    return url.slice(0, 2) !== "//" && url.slice(0, 2) !== "\\\\";
  }

  // Plain text (a no-JavaScript submission shown again after an error) as paragraphs and line breaks.
  function appendText(target, text) {
    var chunks = text.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/);
    for (var i = 0; i < chunks.length; i++) {
      var lines = trim(chunks[i]).split("\n");
      if (!trim(chunks[i])) { continue; }
      var p = doc.createElement("p");
      for (var j = 0; j < lines.length; j++) {
        if (j) { p.appendChild(doc.createElement("br")); }
        p.appendChild(doc.createTextNode(trim(lines[j])));
      }
      target.appendChild(p);
    }
  }

  // Copy the allowed part of a parsed tree into the editor. The HTML is parsed in an inert document (no
  // scripts run, nothing loads) and only allowed elements and attributes are recreated here, so re-displayed
  // content cannot run anything in the member's own page.
  function appendAllowed(target, source, imagePrefix) {
    for (var node = source.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 3) {
        target.appendChild(doc.createTextNode(node.data));
      } else if (node.nodeType === 1) {
        var tag = node.tagName.toUpperCase();
        if (has(DROP_WITH_CONTENT, tag)) { continue; }
        if (!has(KEEP, tag)) { appendAllowed(target, node, imagePrefix); continue; }
        var copy = doc.createElement(tag);
        if (tag === "A") {
          var href = trim(node.getAttribute("href") || "");
          if (href && safeUrl(href)) { copy.setAttribute("href", href); }
        } else if (tag === "IMG") {
          var src = node.getAttribute("src") || "";
          if (!imagePrefix || src.indexOf(imagePrefix) !== 0) { continue; }
          copy.setAttribute("src", src);
          copy.setAttribute("alt", node.getAttribute("alt") || "");
        }
        appendAllowed(copy, node, imagePrefix);
        target.appendChild(copy);
      }
    }
  }

  function load(area, value, imagePrefix) {
    if (HTML_TAG.test(value)) {
      var inert = doc.implementation.createHTMLDocument("");
      inert.body.innerHTML = value; // inert document: see appendAllowed
      appendAllowed(area, inert.body, imagePrefix);
    } else {
      appendText(area, value);
    }
    if (!area.firstChild) {
      area.innerHTML = "<p><br></p>"; // constant markup: gives the caret a paragraph to start in
    }
  }

  // The HTML to submit, tidied on a copy (changing the live area would move the caret): browsers' <div>
  // lines become paragraphs and loose top-level text is wrapped in <p>, so the value always contains a tag
  // and the server never mistakes it for plain text (which would escape "&amp;" a second time).
  function serialise(area) {
    var copy = area.cloneNode(true);
    if (!trim(copy.textContent || "") && !copy.querySelector("img")) { return ""; }
    var divs = copy.querySelectorAll("div");
    for (var i = divs.length - 1; i >= 0; i--) { // innermost first
      var div = divs[i];
      var replacement = div.querySelector("p,h2,h3,h4,ul,ol,blockquote,pre") ? null : doc.createElement("p");
      while (div.firstChild) {
        if (replacement) { replacement.appendChild(div.firstChild); } else { div.parentNode.insertBefore(div.firstChild, div); }
      }
      if (replacement) { div.parentNode.replaceChild(replacement, div); } else { div.parentNode.removeChild(div); }
    }
    var paragraph = null;
    var node = copy.firstChild;
    while (node) {
      var next = node.nextSibling;
      if (node.nodeType === 1 && has(BLOCKS, node.tagName.toUpperCase())) {
        paragraph = null;
      } else if (node.nodeType === 1 || (node.nodeType === 3 && trim(node.data))) {
        if (!paragraph) {
          paragraph = doc.createElement("p");
          copy.insertBefore(paragraph, node);
        }
        paragraph.appendChild(node);
      }
      node = next;
    }
    return copy.innerHTML;
  }

  function closest(node, root, test) {
    for (; node && node !== root; node = node.parentNode) {
      if (node.nodeType === 1 && test(node.tagName.toUpperCase())) { return node; }
    }
    return null;
  }

  function inside(node, root) {
    for (; node; node = node.parentNode) {
      if (node === root) { return true; }
    }
    return false;
  }

  function enhance(textarea) {
    if (textarea.getAttribute("data-khub-editor-ready") !== null || !textarea.id) { return; }
    textarea.setAttribute("data-khub-editor-ready", "");

    var label = doc.querySelector("label[for='" + textarea.id + "']");
    var wrapper = doc.createElement("div");
    var toolbar = doc.createElement("div");
    var area = doc.createElement("div");
    var saved = null; // the member's selection in the area, kept while focus is on the toolbar
    var buttons = [];

    wrapper.className = "khub-editor";
    toolbar.className = "khub-editor__toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", TEXT.toolbar);
    toolbar.setAttribute("aria-controls", textarea.id + "_editor");

    area.id = textarea.id + "_editor";
    area.className = "khub-editor__area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.spellcheck = true;
    if (label) {
      if (!label.id) { label.id = textarea.id + "_label"; }
      area.setAttribute("aria-labelledby", label.id);
      // The label points at the hidden textarea: send its clicks to the editor instead.
      label.addEventListener("click", function (event) { event.preventDefault(); area.focus(); });
    }
    var copied = ["aria-describedby", "aria-invalid"];
    for (var c = 0; c < copied.length; c++) {
      if (textarea.getAttribute(copied[c])) { area.setAttribute(copied[c], textarea.getAttribute(copied[c])); }
    }
    if (textarea.required) {
      // A hidden required control would block submission with a message nobody can see; the server checks.
      textarea.required = false;
      area.setAttribute("aria-required", "true");
    }
    load(area, textarea.value, textarea.getAttribute("data-khub-image-prefix"));

    function sync() {
      textarea.value = serialise(area);
    }

    function saveSelection() {
      var selection = window.getSelection();
      if (selection.rangeCount && inside(selection.anchorNode, area)) {
        saved = selection.getRangeAt(0).cloneRange();
      }
    }

    function restoreSelection() {
      area.focus();
      if (saved) {
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(saved);
      }
    }

    function updateState() {
      var selection = window.getSelection();
      var node = selection.rangeCount ? selection.anchorNode : null;
      if (!inside(node, area)) { return; }
      for (var i = 0; i < buttons.length; i++) {
        var spec = buttons[i].spec;
        var on = null;
        if (spec.block || spec.state) {
          var wanted = spec.block || spec.state;
          on = !!closest(node, area, function (tag) { return tag === wanted; });
        } else if (spec.command) {
          try { on = doc.queryCommandState(spec.command); } catch (e) { on = false; }
        }
        if (on !== null) { buttons[i].setAttribute("aria-pressed", on ? "true" : "false"); }
      }
    }

    function exec(command, value) {
      doc.execCommand(command, false, value === undefined ? null : value);
    }

    function addLink() {
      var url = window.prompt(TEXT.linkPrompt, "https://");
      restoreSelection();
      if (url === null) { return; }
      url = trim(url);
      if (!url || url === "https://") { return; }
      if (!safeUrl(url)) {
        window.alert(TEXT.linkRefused);
        restoreSelection();
        return;
      }
      var selection = window.getSelection();
      if (selection.rangeCount && !selection.isCollapsed) {
        exec("createLink", url);
      } else if (selection.rangeCount) {
        // Nothing selected: insert the address itself as the link's text.
        var range = selection.getRangeAt(0);
        var link = doc.createElement("a");
        link.setAttribute("href", url);
        link.appendChild(doc.createTextNode(url));
        range.insertNode(link);
        range.setStartAfter(link);
        range.collapse(true);
        selection.removeAllRanges();
        selection.addRange(range);
      }
    }

    function run(spec) {
      restoreSelection();
      if (spec.name === "link") {
        addLink();
      } else if (spec.block) {
        var current = closest(window.getSelection().anchorNode, area, function (tag) { return tag === spec.block; });
        if (current && spec.block === "BLOCKQUOTE") {
          exec("outdent"); // formatBlock cannot remove a quote
        } else {
          exec("formatBlock", current ? "<p>" : "<" + spec.block.toLowerCase() + ">");
        }
      } else {
        exec(spec.command);
      }
      saveSelection();
      sync();
      updateState();
    }

    function insertPlainText(text) {
      if (doc.queryCommandSupported && doc.queryCommandSupported("insertText")) {
        exec("insertText", text);
        return;
      }
      // Internet Explorer has no insertText: insert text nodes and line breaks ourselves.
      var selection = window.getSelection();
      if (!selection.rangeCount) { return; }
      var range = selection.getRangeAt(0);
      var fragment = doc.createDocumentFragment();
      var lines = text.replace(/\r\n?/g, "\n").split("\n");
      for (var i = 0; i < lines.length; i++) {
        if (i) { fragment.appendChild(doc.createElement("br")); }
        fragment.appendChild(doc.createTextNode(lines[i]));
      }
      var last = fragment.lastChild;
      range.deleteContents();
      range.insertNode(fragment);
      range.setStartAfter(last);
      range.collapse(true);
      selection.removeAllRanges();
      selection.addRange(range);
    }

    // The toolbar: real buttons, one tab stop, arrow keys move between them (WAI-ARIA toolbar pattern).
    for (var b = 0; b < BUTTONS.length; b++) {
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "khub-editor__button khub-editor__button--" + BUTTONS[b].name;
      button.appendChild(doc.createTextNode(TEXT[BUTTONS[b].name]));
      button.tabIndex = b === 0 ? 0 : -1;
      button.spec = BUTTONS[b];
      if (BUTTONS[b].name !== "link") { button.setAttribute("aria-pressed", "false"); }
      // Keep the selection in the area when the button is pressed with a mouse.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { run(this.spec); });
      buttons.push(button);
      toolbar.appendChild(button);
    }

    toolbar.addEventListener("keydown", function (event) {
      var index = -1;
      for (var i = 0; i < buttons.length; i++) {
        if (buttons[i] === doc.activeElement) { index = i; }
      }
      if (index < 0) { return; }
      var key = event.key || "";
      var target;
      if (key === "ArrowRight" || key === "Right" || event.keyCode === 39) { target = (index + 1) % buttons.length; }
      else if (key === "ArrowLeft" || key === "Left" || event.keyCode === 37) { target = (index + buttons.length - 1) % buttons.length; }
      else if (key === "Home" || event.keyCode === 36) { target = 0; }
      else if (key === "End" || event.keyCode === 35) { target = buttons.length - 1; }
      else { return; }
      event.preventDefault();
      buttons[index].tabIndex = -1;
      buttons[target].tabIndex = 0;
      buttons[target].focus();
    });

    area.addEventListener("input", function () { saveSelection(); sync(); });
    area.addEventListener("keyup", function () { saveSelection(); updateState(); });
    area.addEventListener("mouseup", function () { saveSelection(); updateState(); });
    area.addEventListener("focus", updateState);
    area.addEventListener("blur", sync);
    area.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) { return; }
      var letter = (event.key || String.fromCharCode(event.keyCode)).toLowerCase();
      if (letter === "b" || letter === "i") {
        event.preventDefault();
        run(BUTTONS[letter === "b" ? 0 : 1]);
      }
    });
    // Paste as plain text: formatting copied from Word or web pages is noise (and mostly removed anyway).
    area.addEventListener("paste", function (event) {
      var text = null;
      if (event.clipboardData && event.clipboardData.getData) {
        text = event.clipboardData.getData("text/plain");
      } else if (window.clipboardData) {
        text = window.clipboardData.getData("Text"); // Internet Explorer
      }
      if (text === null) { return; } // unknown browser: let it paste; the server sanitises anyway
      event.preventDefault();
      insertPlainText(text);
      sync();
    });

    // Links to the textarea (the error summary's) focus the editor instead.
    doc.addEventListener("click", function (event) {
      var link = closest(event.target, null, function (tag) { return tag === "A"; });
      if (link && link.getAttribute("href") === "#" + textarea.id) {
        event.preventDefault();
        area.focus();
      }
    });

    if (textarea.form) { textarea.form.addEventListener("submit", sync); }

    // Hide the "without formatting buttons" advice that only applies to the plain textarea.
    var group;
    for (group = textarea.parentNode; group && group.nodeType === 1; group = group.parentNode) {
      if ((" " + group.className + " ").indexOf(" khub-form-group ") !== -1) { break; }
    }
    if (group && group.nodeType === 1) {
      var advice = group.querySelectorAll("[data-khub-editor-nojs]");
      for (var a = 0; a < advice.length; a++) { advice[a].style.display = "none"; }
    }

    wrapper.appendChild(toolbar);
    wrapper.appendChild(area);
    textarea.parentNode.insertBefore(wrapper, textarea.nextSibling);
    textarea.style.display = "none";
  }

  function start() {
    try {
      // Enter makes <p>, not <div>; bold is <b>, not <span style>. Unsupported in some browsers: harmless.
      doc.execCommand("defaultParagraphSeparator", false, "p");
      doc.execCommand("styleWithCSS", false, false);
    } catch (e) { /* older browsers: serialise() tidies their markup */ }
    var textareas = doc.querySelectorAll("textarea[data-khub-editor]");
    for (var i = 0; i < textareas.length; i++) { enhance(textareas[i]); }
  }

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
