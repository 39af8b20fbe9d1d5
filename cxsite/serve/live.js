(function (config) {
  // Injected by `cxsite serve` into the pages it serves (never into the built site).
  // Listens for rebuilds; reloads after a good one that changed this page or an asset,
  // shows the problems of a failed one over the page until the next good build.
  "use strict";
  var OVERLAY = "cxsite-overlay";
  var generation = config.state.generation;
  var source = null;

  function touchesPage(changed) {
    return changed.some(function (path) {
      return config.watch.indexOf(path) >= 0 || !/\.(html|xml|ics|txt|json)$/.test(path);
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function hideProblems() {
    var old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  function showProblems(problems) {
    hideProblems();
    var box = element("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.setAttribute("lang", "zh-CN");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;box-sizing:border-box;" +
      "padding:2em;background:rgba(40,0,0,.92);color:#fff;font:16px/1.6 sans-serif;text-align:left";
    box.appendChild(element("h2", "", "网站生成失败，请改正下列问题（页面显示的是上次成功生成的版本）"));
    var list = element("ol");
    problems.forEach(function (problem) {
      var item = element("li");
      var text = element("code", "cxsite-problem", problem.text);
      text.style.cssText = "white-space:pre-wrap;font:inherit;color:" + (problem.error ? "#ffb4a8" : "#ffe08a");
      item.appendChild(text);
      if (problem.hint) item.appendChild(element("div", "cxsite-hint", "提示：" + problem.hint));
      list.appendChild(item);
    });
    box.appendChild(list);
    box.appendChild(element("p", "", "改正后保存文件，页面会自动更新。"));
    document.documentElement.appendChild(box);
  }

  function apply(state) {
    if (state.ok) hideProblems(); else showProblems(state.problems);
    if (!state.ok || state.generation === generation) return;
    if (state.changed && state.generation === generation + 1 && !touchesPage(state.changed)) {
      generation = state.generation;  // nothing this page shows has changed
      return;
    }
    location.reload();
  }

  function connect() {
    source = new EventSource("/__cxsite/events");
    source.addEventListener("build", function (event) { apply(JSON.parse(event.data)); });
  }

  // Hidden tabs let go of their connection: browsers allow only a few per server.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && source) {
      source.close();
      source = null;
    } else if (!document.hidden && !source) {
      connect();
    }
  });
  apply(config.state);
  if (!document.hidden) connect();
})
