<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shows an RSS 2.0 or Atom feed of the site as a Chinese page in the column's look
  when a reader opens it in a browser; feed readers ignore it. cxsite writes the
  site's title, organization and root (relative to the feed) as processing
  instructions (cxsite-title, cxsite-organization, cxsite-root) before the feed.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" indent="no"
      doctype-system="about:legacy-compat"/>

  <xsl:variable name="root" select="normalize-space(/processing-instruction('cxsite-root'))"/>
  <xsl:variable name="site" select="normalize-space(/processing-instruction('cxsite-title'))"/>
  <xsl:variable name="organization" select="normalize-space(/processing-instruction('cxsite-organization'))"/>
  <xsl:variable name="atom" select="boolean(/atom:feed)"/>
  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="about" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
  <xsl:variable name="address"
      select="(/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href)[1]"/>
  <xsl:variable name="page"
      select="(/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href)[1]"/>

  <xsl:template match="/">
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/>（订阅源）</title>
        <script src="{$root}js/textsize.js"></script>
        <link rel="stylesheet" href="{$root}css/site.css"/>
        <link rel="icon" href="{$root}img/favicon.svg" type="image/svg+xml"/>
      </head>
      <body class="kind-feed">
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
          <nav class="breadcrumb" aria-label="当前位置">
            <a href="{$root}">首页</a> › <a href="{$root}subscribe/">订阅</a> › <span>订阅源</span>
          </nav>
          <div class="list-head">
            <h1><xsl:value-of select="$title"/></h1>
            <p class="list-lead">
              <xsl:choose><xsl:when test="$atom">Atom</xsl:when><xsl:otherwise>RSS</xsl:otherwise></xsl:choose>
              订阅源 · 最新 <xsl:value-of select="count(/rss/channel/item | /atom:feed/atom:entry)"/> 篇
            </p>
          </div>
          <section class="card feed-howto" aria-labelledby="howto-title">
            <h2 class="section-title" id="howto-title">这是订阅源，不是普通网页</h2>
            <p>把本页的地址复制到 Outlook、Foxmail 或手机上的 RSS 阅读器里，网站有新的简报和动态时，会像邮件一样自动收到全文。</p>
            <p>订阅地址：<code class="feed-address"><xsl:value-of select="$address"/></code></p>
            <p>各种软件的添加方法，以及各支部、各栏目的订阅源和活动日历，见<a href="{$root}subscribe/">订阅页面</a>。<xsl:if test="$page">想直接阅读，请回到<a href="{$page}">网站上的对应栏目</a>。</xsl:if></p>
          </section>
          <section class="card" aria-labelledby="items-title">
            <h2 class="section-title" id="items-title">最新内容</h2>
            <xsl:choose>
              <xsl:when test="/rss/channel/item | /atom:feed/atom:entry">
                <ul class="doc-list">
                  <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
                </ul>
              </xsl:when>
              <xsl:otherwise><p class="empty">还没有内容。</p></xsl:otherwise>
            </xsl:choose>
          </section>
        </main>
        <footer class="site-footer"><div class="wrap"><p>主办：<xsl:value-of select="$organization"/></p></div></footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li class="doc-item">
      <div class="doc-item-head"><a class="doc-item-title" href="{link}"><xsl:value-of select="title"/></a></div>
      <div class="doc-item-meta">
        <xsl:call-template name="rss-date"><xsl:with-param name="text" select="pubDate"/></xsl:call-template>
        <xsl:if test="dc:creator"> · <xsl:value-of select="dc:creator"/></xsl:if>
      </div>
      <xsl:if test="normalize-space(description)"><p class="doc-item-summary"><xsl:value-of select="description"/></p></xsl:if>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li class="doc-item">
      <div class="doc-item-head"><a class="doc-item-title" href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></div>
      <div class="doc-item-meta">
        <xsl:call-template name="iso-date"><xsl:with-param name="text" select="(atom:published | atom:updated)[1]"/></xsl:call-template>
        <xsl:if test="atom:author/atom:name"> · <xsl:value-of select="atom:author/atom:name"/></xsl:if>
      </div>
      <xsl:if test="normalize-space(atom:summary)"><p class="doc-item-summary"><xsl:value-of select="atom:summary"/></p></xsl:if>
    </li>
  </xsl:template>

  <!-- "Mon, 01 Nov 2010 09:00:00 +0800" as 2010年11月1日 -->
  <xsl:template name="rss-date">
    <xsl:param name="text"/>
    <xsl:variable name="month" select="substring(normalize-space($text), 9, 3)"/>
    <xsl:value-of select="substring(normalize-space($text), 13, 4)"/>年<xsl:value-of
        select="string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', $month)) div 3 + 1"/>月<xsl:value-of
        select="number(substring(normalize-space($text), 6, 2))"/>日
  </xsl:template>

  <!-- "2010-11-01T09:00:00+08:00" as 2010年11月1日 -->
  <xsl:template name="iso-date">
    <xsl:param name="text"/>
    <xsl:value-of select="substring($text, 1, 4)"/>年<xsl:value-of
        select="number(substring($text, 6, 2))"/>月<xsl:value-of select="number(substring($text, 9, 2))"/>日
  </xsl:template>
</xsl:stylesheet>
