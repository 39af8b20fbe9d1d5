<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shows sitemap.xml as a Chinese page in the column's look when it is opened in a
  browser; search engines ignore it. The site's title, organization and root come
  from cxsite's processing instructions, as in feed.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"
    exclude-result-prefixes="sm">
  <xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:variable name="root" select="normalize-space(/processing-instruction('cxsite-root'))"/>
  <xsl:variable name="site" select="normalize-space(/processing-instruction('cxsite-title'))"/>
  <xsl:variable name="organization" select="normalize-space(/processing-instruction('cxsite-organization'))"/>

  <xsl:template match="/">
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>网站地图 - <xsl:value-of select="$site"/></title>
        <script src="{$root}js/textsize.js"></script>
        <link rel="stylesheet" href="{$root}css/site.css"/>
        <link rel="icon" href="{$root}img/favicon.svg" type="image/svg+xml"/>
      </head>
      <body class="kind-sitemap">
        <header class="site-header">
          <div class="topbar"><div class="wrap"><span class="topbar-org"><xsl:value-of select="$organization"/></span>
            <button type="button" class="text-size" data-text-size="" aria-pressed="false" title="放大网页上的文字，再按一次恢复" hidden="">大字</button></div></div>
          <div class="masthead">
            <div class="wrap">
              <a class="brand" href="{$root}">
                <span class="brand-star" aria-hidden="true">★</span>
                <span class="brand-text">
                  <span class="brand-title"><xsl:value-of select="$site"/></span>
                  <span class="brand-org"><xsl:value-of select="$organization"/></span>
                </span>
              </a>
            </div>
          </div>
        </header>
        <main id="main" class="wrap">
          <nav class="breadcrumb" aria-label="当前位置"><a href="{$root}">首页</a> › <span>网站地图</span></nav>
          <div class="list-head">
            <h1>网站地图</h1>
            <p class="list-lead">共 <xsl:value-of select="count(sm:urlset/sm:url)"/> 个页面</p>
          </div>
          <section class="card">
            <p>这是给搜索引擎读的网站地图，列出本站的全部页面。要按栏目浏览，请回到<a href="{$root}">首页</a>；要查找文章，可用<a href="{$root}archive/">归档</a>。</p>
            <ol class="sitemap-list">
              <xsl:for-each select="sm:urlset/sm:url">
                <li>
                  <a href="{sm:loc}"><xsl:value-of select="sm:loc"/></a>
                  <xsl:if test="sm:lastmod"><xsl:text> · </xsl:text><span class="sitemap-date"><xsl:value-of select="substring(sm:lastmod, 1, 4)"/>年<xsl:value-of
                      select="number(substring(sm:lastmod, 6, 2))"/>月<xsl:value-of select="number(substring(sm:lastmod, 9, 2))"/>日</span></xsl:if>
                </li>
              </xsl:for-each>
            </ol>
          </section>
        </main>
        <footer class="site-footer"><div class="wrap"><p>主办：<xsl:value-of select="$organization"/></p></div></footer>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
