window.cxsearch.load("meta",{"bits":3,"count":59,"docBlock":64,"keyLength":4,"shards":"ff","textBlock":8,"version":1});
