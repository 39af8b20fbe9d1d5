/* cxsite search: finds any run of letters and digits in the site's text, offline.
 *
 * The index (cxsite/render/search/index.py) is a set of plain scripts under search/ that each call
 * window.cxsearch.load(name, data). Scripts, not fetch(): they load from any folder of any
 * server and from file://, where fetching JSON is forbidden. Only the files a query needs
 * are loaded: meta.js, one key shard per term, then the url/title blocks and text blocks of
 * the results shown.
 *
 * Matching: the query is folded like the index (NFKC, lower case) and cut into terms at
 * spaces and punctuation; a document matches when it holds every term, in its title, tags
 * or text. Every key is a unit's next four characters, so a term of one to four characters
 * is matched exactly by the keys that start with it; a longer term is looked up by every
 * four-character window of it and each candidate is then checked against the document's
 * text, so nothing is shown that does not contain the term, and nothing that does is missed.
 * When a long term leaves more candidates than CHECK_LIMIT (a stock phrase in every
 * bulletin), they are checked as they are shown instead (their text is loaded for the
 * snippet anyway) and the count says 约 until every candidate has been seen.
 *
 * The page gives: #search-results with data-index (link to search/meta.js) and
 * data-portable ("true" when links must end in index.html, for file://).
 */
(function () {
  "use strict";

  var PAGE = 20;          // results rendered at a time
  var CHECK_LIMIT = 64;   // candidates of a long term checked at once; more are checked as shown
  var SNIPPET_BEFORE = 30; // characters of context before the hit
  var SNIPPET_LENGTH = 110;
  var SENTENCE_END = /[。！？!?；;\n]/;
  var PUNCTUATION = /[\s，。、；：！？,.;:!?）)」』”’》〉]/;
  var WORD = /[\p{L}\p{N}]+/gu;

  var api = window.cxsearch = window.cxsearch || {};
  var waiting = Object.create(null);

  /* Called by every index script: hands its data to whoever is waiting for it. */
  api.load = function (name, data) {
    var done = waiting[name] || [];
    delete waiting[name];
    done.forEach(function (resolve) { resolve(data); });
  };

  function fold(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  /* The distinct terms of a query, longest first. */
  function termsOf(query) {
    var seen = Object.create(null), terms = [];
    (fold(query).match(WORD) || []).forEach(function (term) {
      if (!seen[term]) {
        seen[term] = true;
        terms.push(term);
      }
    });
    return terms.sort(function (a, b) { return b.length - a.length; });
  }

  /* ---- sets of documents: bitsets, one bit per document number ---- */

  function Bits(words) { return new Uint32Array(words); }

  function setBit(bits, doc) { bits[doc >>> 5] |= 1 << (doc & 31); }

  function hasBit(bits, doc) { return (bits[doc >>> 5] & (1 << (doc & 31))) !== 0; }

  function combine(a, b, how) {
    var out = new Uint32Array(a.length);
    for (var i = 0; i < a.length; i++) {
      out[i] = how === "and" ? a[i] & b[i] : how === "or" ? a[i] | b[i] : a[i] & ~b[i];
    }
    return out;
  }

  function countBits(bits) {
    var total = 0;
    for (var i = 0; i < bits.length; i++) {
      var v = bits[i] - ((bits[i] >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      total += (((v + (v >>> 4)) & 0x0F0F0F0F) * 0x01010101) >>> 24;
    }
    return total;
  }

  /* Document numbers in a bitset, highest (newest) first. */
  function membersDown(bits) {
    var out = [];
    for (var w = bits.length - 1; w >= 0; w--) {
      var word = bits[w];
      while (word) {
        var top = 31 - Math.clz32(word);
        out.push(w * 32 + top);
        word &= ~(1 << top);
      }
    }
    return out;
  }

  /* Add the documents of one encoded posting list (see render/search/postings.py) to a bitset. */
  function addPostings(bits, code) {
    var mode = code.charAt(0), raw = atob(code.slice(1)), n = raw.length, i, doc;
    if (mode === "D") {          // gaps of one byte, the first counted from -1
      for (i = 0, doc = -1; i < n; i++) {
        doc += raw.charCodeAt(i);
        setBit(bits, doc);
      }
    } else if (mode === "H") {   // two-byte numbers, little-endian, in any order
      for (i = 0; i + 1 < n; i += 2) setBit(bits, raw.charCodeAt(i) | raw.charCodeAt(i + 1) << 8);
    } else if (mode === "I") {   // four-byte numbers
      for (i = 0; i + 3 < n; i += 4) {
        setBit(bits, (raw.charCodeAt(i) | raw.charCodeAt(i + 1) << 8 | raw.charCodeAt(i + 2) << 16 |
                      raw.charCodeAt(i + 3) << 24) >>> 0);
      }
    } else if (mode === "B") {   // a bitmap: bit j of byte i is document 8i + j
      for (i = 0; i < n; i++) {
        var b = raw.charCodeAt(i);
        if (b) bits[i >>> 2] |= b << ((i & 3) << 3);
      }
    } else {
      throw new Error("unknown posting list mode " + mode);
    }
  }

  /* ---- the index: loads its scripts on demand ---- */

  function Index(metaURL) {
    this.base = new URL(".", metaURL).href;
    this.files = Object.create(null);
    this.meta = null;
  }

  Index.prototype.file = function (name) {
    var files = this.files;
    if (!files[name]) {
      var src = new URL(name + ".js", this.base).href;
      files[name] = new Promise(function (resolve, reject) {
        (waiting[name] = waiting[name] || []).push(resolve);
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { script.remove(); };
        script.onerror = function () {
          script.remove();
          if (waiting[name]) waiting[name] = waiting[name].filter(function (r) { return r !== resolve; });
          reject(new Error("缺少搜索索引文件 " + name + ".js"));
        };
        document.head.appendChild(script);
      });
    }
    return files[name];
  };

  Index.prototype.open = function () {
    var self = this;
    if (!this.opening) {
      this.opening = this.file("meta").then(function (meta) {
        if (meta.version !== 1) throw new Error("搜索索引的版本不对，请重新生成网站");
        self.meta = meta;
        self.words = (meta.count + 31) >>> 5;
        return self;
      });
    }
    return this.opening;
  };

  Index.prototype.empty = function () { return Bits(this.words); };

  /* The shard holding the keys that start with code point cp, or null when there is none. */
  Index.prototype.shard = function (cp) {
    var meta = this.meta, bits = meta.bits;
    var number = Math.imul(cp, 0x9E3779B1) >>> (32 - bits);
    var hex = meta.shards, digit = hex.length - 1 - (number >>> 2);
    if (digit < 0 || !(parseInt(hex.charAt(digit), 16) & (1 << (number & 3)))) return Promise.resolve(null);
    return this.file("k/" + number.toString(16).padStart((bits + 3) >>> 2, "0")).then(function (shard) {
      if (!shard.sortedKeys) {
        shard.sortedKeys = {};
        ["body", "title", "tags"].forEach(function (field) {
          shard.sortedKeys[field] = Object.keys(shard[field]).sort();
        });
      }
      return shard;
    });
  };

  /* For each field, the documents holding a key that starts with `prefix` (exact: the key itself). */
  Index.prototype.lookup = function (prefix, exact) {
    var self = this;
    return this.shard(prefix.codePointAt(0)).then(function (shard) {
      var sets = {whole: self.empty()};
      if (shard && shard.whole[prefix]) addPostings(sets.whole, shard.whole[prefix]);   // titles equal to it
      ["body", "title", "tags"].forEach(function (field) {
        var bits = sets[field] = self.empty();
        if (!shard) return;
        var postings = shard[field];
        if (exact) {
          if (postings[prefix]) addPostings(bits, postings[prefix]);
          return;
        }
        var keys = shard.sortedKeys[field], lo = 0, hi = keys.length;
        while (lo < hi) {                       // first key not below the prefix
          var mid = (lo + hi) >>> 1;
          if (keys[mid] < prefix) lo = mid + 1; else hi = mid;
        }
        for (var i = lo; i < keys.length && keys[i].lastIndexOf(prefix, 0) === 0; i++) {
          addPostings(bits, postings[keys[i]]);
        }
      });
      return sets;
    });
  };

  /* For each field, the documents holding the term; `checked` says whether they still need a look at the text. */
  Index.prototype.termSets = function (term) {
    var self = this, chars = Array.from(term), size = this.meta.keyLength;
    if (chars.length <= size) {
      return this.lookup(term, false).then(function (sets) { sets.checked = true; return sets; });
    }
    var pieces = [];   // every window: a candidate must hold each of them (few do without the term)
    for (var i = 0; i + size <= chars.length; i++) pieces.push(chars.slice(i, i + size).join(""));
    return Promise.all(pieces.map(function (piece) { return self.lookup(piece, true); })).then(function (all) {
      var sets = all.reduce(function (acc, next) {
        return {body: combine(acc.body, next.body, "and"), title: combine(acc.title, next.title, "and"),
                tags: combine(acc.tags, next.tags, "and")};
      });
      sets.checked = false;
      return self.lookup(term, true).then(function (whole) {   // a title equal to the long term
        sets.whole = whole.whole;
        return sets;
      });
    });
  };

  function record(doc, r) {
    return {doc: doc, url: r[0], kind: r[1], title: r[2], date: r[3], tags: r[4], text: r[5]};
  }

  /* url, kind, title, date, tags of documents, by number (light blocks, for checking titles). */
  Index.prototype.records = function (docs) {
    return this.blockItems(docs, "d/", this.meta.docBlock).then(function (items) {
      var out = {};
      Object.keys(items).forEach(function (doc) { out[doc] = record(+doc, items[doc]); });
      return out;
    });
  };

  /* The same with their plain text (small blocks, for results shown and checking texts). */
  Index.prototype.texts = function (docs) {
    return this.blockItems(docs, "x/", this.meta.textBlock).then(function (items) {
      var out = {};
      Object.keys(items).forEach(function (doc) { out[doc] = record(+doc, items[doc]); });
      return out;
    });
  };

  Index.prototype.blockItems = function (docs, folder, size) {
    var self = this, blocks = {};
    docs.forEach(function (doc) { blocks[Math.floor(doc / size)] = true; });
    var names = Object.keys(blocks);
    return Promise.all(names.map(function (block) { return self.file(folder + block); })).then(function (loaded) {
      var byBlock = {}, out = {};
      names.forEach(function (block, i) { byBlock[block] = loaded[i]; });
      docs.forEach(function (doc) { out[doc] = byBlock[Math.floor(doc / size)][doc % size]; });
      return out;
    });
  };

  /* Keep only candidates that really hold a long term: title and tags first, the text where needed. */
  Index.prototype.check = function (term, sets) {
    var self = this;
    if (sets.checked) return Promise.resolve(sets);
    var named = combine(sets.title, sets.tags, "or");
    return this.records(membersDown(named)).then(function (records) {
      var title = self.empty(), tags = self.empty();
      Object.keys(records).forEach(function (key) {
        var r = records[key];
        if (hasBit(sets.title, r.doc) && fold(r.title).indexOf(term) >= 0) setBit(title, r.doc);
        if (hasBit(sets.tags, r.doc) && fold(r.tags.join(" ")).indexOf(term) >= 0) setBit(tags, r.doc);
      });
      var open = combine(sets.body, combine(title, tags, "or"), "andnot");
      if (countBits(open) > CHECK_LIMIT) {   // too many texts to load now: checked when shown
        return {body: sets.body, title: title, tags: tags, whole: sets.whole, checked: true, unsure: open};
      }
      return self.texts(membersDown(open)).then(function (texts) {
        var body = self.empty();
        Object.keys(texts).forEach(function (doc) {
          if (fold(texts[doc].text).indexOf(term) >= 0) setBit(body, +doc);
        });
        return {body: body, title: title, tags: tags, whole: sets.whole, checked: true};
      });
    });
  };

  /* Run a query: the terms, the number of documents found, and their numbers in ranked order. */
  Index.prototype.search = function (query) {
    var self = this, terms = termsOf(query);
    if (!terms.length) return Promise.resolve({query: query, terms: terms, count: 0, order: []});
    var phrase = fold(query).match(WORD).join("");
    var wanted = terms.slice();
    if (terms.length > 1) wanted.push(phrase);   // the whole query as one run, for titles
    return Promise.all(wanted.map(function (term, i) {
      return self.termSets(term).then(function (sets) {
        if (i === terms.length) {                  // the phrase counts in titles only
          sets.body = self.empty();
          sets.tags = self.empty();
        }
        return self.check(term, sets);
      });
    })).then(function (all) {
      var perTerm = all.slice(0, terms.length);
      var phraseSets = all[all.length - 1];
      var match = null, inTitles = null, named = null;
      perTerm.forEach(function (sets) {
        var anyField = combine(combine(sets.body, sets.title, "or"), sets.tags, "or");
        var titleOrTags = combine(sets.title, sets.tags, "or");
        match = match ? combine(match, anyField, "and") : anyField;
        inTitles = inTitles ? combine(inTitles, sets.title, "and") : sets.title;
        named = named ? combine(named, titleOrTags, "and") : titleOrTags;
      });
      // Tiers: the query is the title; the whole query is in the title; every term is in the title;
      // every term is in the title or tags; anywhere. Newest first within a tier.
      var levels = [combine(phraseSets.whole, match, "and"), combine(phraseSets.title, match, "and"),
                    inTitles, named, match];
      var order = [], taken = self.empty();
      levels.forEach(function (level) {
        Array.prototype.push.apply(order, membersDown(combine(level, taken, "andnot")));
        taken = combine(taken, level, "or");
      });
      var unsure = [];
      perTerm.forEach(function (sets, i) { if (sets.unsure) unsure.push({term: terms[i], bits: sets.unsure}); });
      return {query: query, terms: terms, phrase: phrase, count: countBits(match), order: order,
              unsure: unsure, rejected: 0, seen: 0};
    });
  };

  /* Whether a candidate shown holds the long terms its text was not checked for yet. */
  function holds(result, r) {
    var text = null;
    return result.unsure.every(function (u) {
      if (!hasBit(u.bits, r.doc)) return true;
      text = text || fold(r.title + "\n" + r.tags.join(" ") + "\n" + (r.text || ""));
      return text.indexOf(u.term) >= 0;
    });
  }

  /* Whether the count is exact: every candidate checked, or seen. */
  function exact(result) {
    return !result.unsure.length || result.seen >= result.order.length;
  }

  /* The next PAGE results from position `from` of the order, with their snippets: {items, next}.
     Candidates that turn out not to hold a long term are left out (and the count corrected). */
  Index.prototype.page = function (result, from) {
    var self = this, items = [], at = from;
    function fill() {
      if (items.length >= PAGE || at >= result.order.length) return Promise.resolve({items: items, next: at});
      var docs = result.order.slice(at, at + PAGE - items.length);
      at += docs.length;
      result.seen = Math.max(result.seen, at);
      return self.texts(docs).then(function (loaded) {
        docs.forEach(function (doc) {
          var r = loaded[doc];
          if (!holds(result, r)) {
            result.rejected++;
            result.count--;
            return;
          }
          r.snippet = snippetOf(r.text || "", result);
          items.push(r);
        });
        return fill();
      });
    }
    return fill();
  };

  /* ---- snippets and highlighting ---- */

  /* A text folded for matching, with the offset in the original text of each folded code unit. */
  function foldWithOffsets(text) {
    var folded = fold(text);
    if (folded.length === text.length) return {text: folded, at: null};
    var parts = [], at = [], i = 0;
    for (var ch of text) {
      var f = fold(ch);
      parts.push(f);
      for (var k = 0; k < f.length; k++) at.push(i);
      i += ch.length;
    }
    at.push(i);
    return {text: parts.join(""), at: at};
  }

  /* Spans [start, end) of the original text where the terms occur, merged. */
  function hitsIn(text, terms) {
    var folded = foldWithOffsets(text), spans = [];
    terms.forEach(function (term) {
      for (var i = folded.text.indexOf(term); i >= 0; i = folded.text.indexOf(term, i + term.length)) {
        var end = i + term.length;
        spans.push(folded.at ? [folded.at[i], folded.at[end]] : [i, end]);
      }
    });
    spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    spans.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push(s.slice());
    });
    return merged;
  }

  /* The part of a text around its first hit (the whole phrase if present), with the hits inside. */
  function snippetOf(text, result) {
    var hits = hitsIn(text, result.terms);
    var first = hitsIn(text, [result.phrase])[0] || hits[0];
    var start = 0;
    if (first) start = Math.max(0, first[0] - SNIPPET_BEFORE);
    if (start) start = sentenceStart(text, start, first[0]);
    if (start && /[\uDC00-\uDFFF]/.test(text.charAt(start))) start--;   // never split a surrogate pair
    var end = Math.min(text.length, start + SNIPPET_LENGTH);
    if (end < text.length && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end++;
    return {text: text.slice(start, end), from: start, more: end < text.length,
            hits: hits.filter(function (h) { return h[1] > start && h[0] < end; })
                      .map(function (h) { return [Math.max(h[0], start) - start, Math.min(h[1], end) - start]; })};
  }

  /* Where a snippet cut at `start` (before a hit at `hit`) begins: after the last end of a
     sentence or line before the hit, else past the punctuation it was cut at, so that it
     never opens with "…，". */
  function sentenceStart(text, start, hit) {
    var before = text.slice(start, hit), end = -1, i;
    for (i = before.length - 1; i >= 0 && end < 0; i--) if (SENTENCE_END.test(before.charAt(i))) end = i;
    if (end >= 0) return start + end + 1;
    while (start < hit && PUNCTUATION.test(text.charAt(start))) start++;
    return start;
  }

  /* Text with <mark> around the spans, as DOM nodes (never as HTML: the text is the writers'). */
  function marked(parent, text, spans) {
    var at = 0;
    spans.forEach(function (span) {
      if (span[0] > at) parent.appendChild(document.createTextNode(text.slice(at, span[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(span[0], span[1]);
      parent.appendChild(mark);
      at = span[1];
    });
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
    return parent;
  }

  /* ---- the search page ---- */

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function Page(box) {
    this.box = box;
    var link = box.getAttribute("data-index") || "search/meta.js";
    var suffix = "search/meta.js";
    this.root = link.slice(-suffix.length) === suffix ? link.slice(0, -suffix.length) : null;
    this.metaURL = new URL(link, location.href).href;
    this.portable = box.getAttribute("data-portable") === "true";
    this.index = new Index(this.metaURL);
  }

  /* A link from this page to a site URL such as /bulletins/3/. */
  Page.prototype.href = function (url) {
    var cut = url.indexOf("#"), hash = cut >= 0 ? url.slice(cut) : "";
    var path = (cut >= 0 ? url.slice(0, cut) : url).replace(/^\//, "");
    if (this.portable && (path === "" || path.slice(-1) === "/")) path += "index.html";
    path += hash;
    return this.root !== null ? (this.root + path || "./") : new URL("../" + path, this.metaURL).href;
  };

  Page.prototype.status = function (text) {
    var status = this.box.querySelector(".search-status");
    if (!status) {
      status = element("p", "search-status");
      status.setAttribute("role", "status");
      this.box.insertBefore(status, this.box.firstChild);
    }
    status.textContent = text;
    return status;
  };

  Page.prototype.run = function (query) {
    var self = this, began = performance.now();
    this.box.textContent = "";
    this.box.setAttribute("aria-busy", "true");
    this.box.setAttribute("data-state", "searching");
    this.status("正在搜索“" + query + "”……");
    return this.index.open().then(function (index) {
      return index.search(query);
    }).then(function (result) {
      self.result = result;
      self.shown = 0;
      if (!result.count) return self.nothing(query, result);
      self.list = element("ol", "search-list");
      self.box.appendChild(self.list);
      return self.more(0).then(function () {
        if (!result.count) {   // every candidate of a long term turned out not to hold it
          self.list.remove();
          self.nothing(query, result);
        }
      });
    }).then(function () {
      self.finish(performance.now() - began);
    }, function (error) {
      self.status("搜索出错：" + error.message + "。请刷新页面再试；如果仍然出错，请网站管理员重新生成网站。");
      self.finish(performance.now() - began, "error");
    });
  };

  Page.prototype.finish = function (ms, state) {
    this.box.removeAttribute("aria-busy");
    this.box.setAttribute("data-state", state || "done");
    api.lastRun = {query: this.result ? this.result.query : "", ms: ms,
                   count: this.result ? this.result.count : 0};
  };

  Page.prototype.nothing = function (query, result) {
    this.status(result.terms.length ? "没有找到含“" + query + "”的内容。"
                                    : "请输入要查找的字词（汉字、字母或数字）。");
    var hint = element("p", "search-hint");
    hint.appendChild(document.createTextNode("可以换一个词、少输几个字，或检查有没有错别字；也可以按月份浏览"));
    var archive = element("a", "", "归档");
    archive.href = this.href("/archive/");
    hint.appendChild(archive);
    hint.appendChild(document.createTextNode("。"));
    this.box.appendChild(hint);
  };

  /* Render the next page of results from position `from` of the order, with a button for the one after. */
  Page.prototype.more = function (from) {
    var self = this, result = this.result;
    var old = this.box.querySelector(".search-more");
    if (old) old.remove();
    if (from) this.box.setAttribute("data-state", "more");   // a later page: "done" again when it is in
    return this.index.page(result, from).then(function (page) {
      var first = null;
      page.items.forEach(function (item) {
        var li = self.item(item, result);
        first = first || li;
        self.list.appendChild(li);
      });
      self.shown += page.items.length;
      var about = exact(result) ? "" : "约 ";
      self.status("找到" + (about || " ") + result.count + " 条含“" + result.query + "”的结果");
      if (page.next < result.order.length) {
        var left = "显示更多结果（还有" + (about || " ") + (result.count - self.shown) + " 条）";
        var button = element("button", "search-more", left);
        button.type = "button";
        button.addEventListener("click", function () {
          button.disabled = true;
          self.more(page.next).then(function (firstNew) {
            if (firstNew) firstNew.querySelector("a").focus();   // keyboard users land on the new results
          });
        });
        self.box.appendChild(button);
      }
      if (from) self.box.setAttribute("data-state", "done");
      return first;
    });
  };

  Page.prototype.item = function (item, result) {
    var li = element("li", "search-hit");
    var heading = element("h2", "search-title");
    var link = element("a");
    link.href = this.href(item.url);
    marked(link, item.title, hitsIn(item.title, result.terms));
    heading.appendChild(link);
    li.appendChild(heading);
    var meta = element("p", "search-meta");
    meta.appendChild(element("span", "search-kind", item.kind));
    if (item.date) {
      var time = element("time", "", item.date);
      time.setAttribute("datetime", item.date);
      meta.appendChild(time);
    }
    if (item.tags.length) meta.appendChild(element("span", "search-tags", item.tags.join("、")));
    li.appendChild(meta);
    var s = item.snippet;
    if (s.text) {
      var p = element("p", "search-snippet");
      if (s.from > 0) p.appendChild(document.createTextNode("…"));
      marked(p, s.text, s.hits);
      if (s.more) p.appendChild(document.createTextNode("…"));
      li.appendChild(p);
    }
    return li;
  };

  /* For scripts and tests: run a query without the page, resolving to its first page of results. */
  api.query = function (query, metaURL) {
    var index = new Index(new URL(metaURL || "search/meta.js", location.href).href);
    var times = [performance.now()];
    return index.open().then(function () {
      times.push(performance.now());
      return index.search(query);
    }).then(function (result) {
      times.push(performance.now());
      return index.page(result, 0).then(function (page) {
        times.push(performance.now());
        return {count: result.count, exact: exact(result), order: result.order, items: page.items,
                ms: {open: times[1] - times[0], search: times[2] - times[1], page: times[3] - times[2]}};
      });
    });
  };

  function start() {
    var box = document.getElementById("search-results");
    if (!box) return;
    var query = (new URLSearchParams(location.search).get("q") || "").trim();
    document.querySelectorAll('input[type="search"][name="q"]').forEach(function (input) {
      if (!input.value) input.value = query;
    });
    var page = new Page(box);
    api.page = page;
    if (query) {
      page.run(query);
    } else {
      box.textContent = "";
      page.status("请输入要查找的字词：简报、动态、支部、活动里的任何一段文字都能找到。");
      box.setAttribute("data-state", "idle");
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
