namespace Broadsheet.Tests.Import;

/// <summary>Small export files written for these tests (our own words), one per format.</summary>
public static class Samples
{
    public const string BloggerClassic = """
        <?xml version='1.0' encoding='UTF-8'?>
        <feed xmlns='http://www.w3.org/2005/Atom' xmlns:gd='http://schemas.google.com/g/2005' xmlns:thr='http://purl.org/syndication/thread/1.0'>
          <id>tag:blogger.com,1999:blog-7001</id>
          <updated>2016-01-02T10:00:00.000Z</updated>
          <title type='text'>Riverside Tenants</title>
          <generator version='7.00' uri='https://www.blogger.com'>Blogger</generator>
          <entry>
            <id>tag:blogger.com,1999:blog-7001.settings.BLOG_DESCRIPTION</id>
            <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#settings'/>
            <title type='text'>Blog description</title>
            <content type='text'>Fair rents on every street</content>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-7001.layout</id>
            <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#template'/>
            <title type='text'>Template: Riverside</title>
            <content type='html'>&lt;html&gt;&lt;/html&gt;</content>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-7001.post-1001</id>
            <published>2015-10-25T18:30:00.000+01:00</published>
            <updated>2015-10-25T19:00:00.000+01:00</updated>
            <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
            <category scheme='http://www.blogger.com/atom/ns#' term='Rent Strike'/>
            <category scheme='http://www.blogger.com/atom/ns#' term='News'/>
            <title type='text'>The rent strike begins</title>
            <content type='html'>&lt;div&gt;Forty households on Mill Lane stopped paying rent this morning.&lt;/div&gt;&lt;div&gt;&lt;br /&gt;&lt;/div&gt;&lt;div&gt;They want the landlord to mend the damp.&lt;/div&gt;&lt;a name='more'&gt;&lt;/a&gt;Below the fold: the full list of repairs.&lt;br /&gt;&lt;br /&gt;Second paragraph after the break.&lt;script&gt;alert('owned')&lt;/script&gt;</content>
            <link rel='alternate' type='text/html' href='https://riverside-tenants.blogspot.com/2015/10/rent-strike-begins.html' title='The rent strike begins'/>
            <author><name>Mara Lind</name><uri>https://www.blogger.com/profile/555</uri><email>noreply@blogger.com</email></author>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-7001.post-1002</id>
            <published>2015-11-02T09:00:00.000Z</published>
            <updated>2015-11-02T09:00:00.000Z</updated>
            <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
            <title type='text'>Unfinished thoughts on the council vote</title>
            <content type='html'>Not ready to share yet.</content>
            <app:control xmlns:app='http://purl.org/atom/app#'><app:draft>yes</app:draft></app:control>
            <author><name>Mara Lind</name><uri>https://www.blogger.com/profile/555</uri></author>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-7001.page-3001</id>
            <published>2015-09-01T12:00:00.000Z</published>
            <updated>2015-09-01T12:00:00.000Z</updated>
            <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#page'/>
            <title type='text'>About the union</title>
            <content type='html'>We are tenants who help each other.&lt;a href="javascript:alert(1)" onclick="steal()"&gt;Join&lt;/a&gt;</content>
            <link rel='alternate' type='text/html' href='https://riverside-tenants.blogspot.com/p/about-union.html' title='About the union'/>
            <author><name>Mara Lind</name><uri>https://www.blogger.com/profile/555</uri></author>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-7001.post-5001</id>
            <published>2015-10-26T08:15:00.000Z</published>
            <updated>2015-10-26T08:15:00.000Z</updated>
            <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#comment'/>
            <title type='text'>Solidarity</title>
            <content type='html'>Solidarity from Canal Street!&lt;img src=x onerror="alert(2)"&gt;</content>
            <author><name>Jo Reader</name><uri>https://jo.example.org/</uri></author>
            <thr:in-reply-to href='https://riverside-tenants.blogspot.com/2015/10/rent-strike-begins.html' ref='tag:blogger.com,1999:blog-7001.post-1001' type='text/html'/>
          </entry>
        </feed>
        """;

    public const string BloggerTakeout = """
        <?xml version='1.0' encoding='utf-8'?>
        <feed xmlns='http://www.w3.org/2005/Atom' xmlns:blogger='http://schemas.google.com/blogger/2018'>
          <id>tag:blogger.com,1999:blog-8002</id>
          <title>Harbour Watch</title>
          <entry>
            <id>tag:blogger.com,1999:blog-8002.post-2001</id>
            <blogger:type>POST</blogger:type>
            <blogger:status>LIVE</blogger:status>
            <author><name>Ade Okoro</name><uri>https://www.blogger.com/profile/909</uri><blogger:type>BLOGGER</blogger:type></author>
            <title>Harbour clean-up day</title>
            <content type='html'>Sixty volunteers filled ninety bags of rubbish.&lt;br&gt;Thank you all.</content>
            <blogger:created>2019-04-06T09:00:00.000Z</blogger:created>
            <published>2019-04-06T10:00:00.000+02:00</published>
            <updated>2019-04-06T11:00:00.000Z</updated>
            <category scheme='tag:blogger.com,1999:blog-8002' term='Events'/>
            <blogger:filename>/2019/04/harbour-clean-up-day.html</blogger:filename>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-8002.post-2002</id>
            <blogger:type>POST</blogger:type>
            <blogger:status>DRAFT</blogger:status>
            <author><name>Ade Okoro</name><uri>https://www.blogger.com/profile/909</uri></author>
            <title>Draft about the ferry timetable</title>
            <content type='html'>Still checking the times.</content>
            <published>2019-05-01T10:00:00.000Z</published>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-8002.post-2003</id>
            <blogger:type>POST</blogger:type>
            <blogger:status>SOFT_TRASHED</blogger:status>
            <title>Binned post</title>
            <content type='html'>Gone.</content>
            <published>2019-05-02T10:00:00.000Z</published>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-8002.page-4001</id>
            <blogger:type>PAGE</blogger:type>
            <blogger:status>LIVE</blogger:status>
            <title>Contact the watch</title>
            <content type='html'>Write to the harbour office.</content>
            <published>2018-01-01T10:00:00.000Z</published>
            <blogger:filename>/p/contact.html</blogger:filename>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-8002.post-6001</id>
            <blogger:parent>tag:blogger.com,1999:blog-8002.post-2001</blogger:parent>
            <blogger:type>COMMENT</blogger:type>
            <blogger:status>LIVE</blogger:status>
            <author><name>Pat Shore</name></author>
            <content type='html'>Great work, see you next year.</content>
            <published>2019-04-07T10:00:00.000Z</published>
          </entry>
          <entry>
            <id>tag:blogger.com,1999:blog-8002.post-6002</id>
            <blogger:parent>tag:blogger.com,1999:blog-8002.post-2001</blogger:parent>
            <blogger:type>COMMENT</blogger:type>
            <blogger:status>SPAM_COMMENT</blogger:status>
            <author><name>Cheap Pills</name></author>
            <content type='html'>Buy now</content>
            <published>2019-04-07T11:00:00.000Z</published>
          </entry>
        </feed>
        """;

    public const string WordPress = """
        <?xml version="1.0" encoding="UTF-8" ?>
        <rss version="2.0"
          xmlns:excerpt="https://wordpress.org/export/1.2/excerpt/"
          xmlns:content="http://purl.org/rss/1.0/modules/content/"
          xmlns:dc="http://purl.org/dc/elements/1.1/"
          xmlns:wp="https://wordpress.org/export/1.2/">
        <channel>
          <title>Peace Coalition</title>
          <link>https://coalition.example.org</link>
          <description>Working for an end to the war</description>
          <wp:wxr_version>1.2</wp:wxr_version>
          <wp:base_site_url>https://coalition.example.org</wp:base_site_url>
          <wp:base_blog_url>https://coalition.example.org</wp:base_blog_url>
          <wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[sam]]></wp:author_login><wp:author_email><![CDATA[sam@coalition.example.org]]></wp:author_email><wp:author_display_name><![CDATA[Sam Okafor]]></wp:author_display_name></wp:author>
          <wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[lee]]></wp:author_login><wp:author_display_name><![CDATA[Lee Park]]></wp:author_display_name></wp:author>
          <item>
            <title><![CDATA[March for peace on Saturday]]></title>
            <link>https://coalition.example.org/2014/03/march-for-peace/</link>
            <pubDate>Mon, 10 Mar 2014 09:00:00 +0000</pubDate>
            <dc:creator><![CDATA[sam]]></dc:creator>
            <guid isPermaLink="false">https://coalition.example.org/?p=11</guid>
            <content:encoded><![CDATA[Meet at the station at noon.

        Bring banners & friends — "all welcome".<!--more-->

        The route goes past the town hall.<iframe src="https://evil.example/x"></iframe>]]></content:encoded>
            <excerpt:encoded><![CDATA[Meet at noon for the march.]]></excerpt:encoded>
            <wp:post_id>11</wp:post_id>
            <wp:post_date><![CDATA[2014-03-10 09:00:00]]></wp:post_date>
            <wp:post_date_gmt><![CDATA[2014-03-10 09:00:00]]></wp:post_date_gmt>
            <wp:post_name><![CDATA[march-for-peace]]></wp:post_name>
            <wp:status><![CDATA[publish]]></wp:status>
            <wp:post_type><![CDATA[post]]></wp:post_type>
            <wp:is_sticky>1</wp:is_sticky>
            <category domain="category" nicename="campaigns"><![CDATA[Campaigns]]></category>
            <category domain="post_tag" nicename="ceasefire"><![CDATA[Ceasefire]]></category>
            <wp:comment>
              <wp:comment_id>501</wp:comment_id>
              <wp:comment_author><![CDATA[Ruth]]></wp:comment_author>
              <wp:comment_author_url>https://ruth.example.net</wp:comment_author_url>
              <wp:comment_date_gmt>2014-03-10 12:00:00</wp:comment_date_gmt>
              <wp:comment_content><![CDATA[I'll be there with the choir.]]></wp:comment_content>
              <wp:comment_approved>1</wp:comment_approved>
              <wp:comment_parent>0</wp:comment_parent>
            </wp:comment>
            <wp:comment>
              <wp:comment_id>502</wp:comment_id>
              <wp:comment_author><![CDATA[Sam Okafor]]></wp:comment_author>
              <wp:comment_date_gmt>2014-03-10 13:00:00</wp:comment_date_gmt>
              <wp:comment_content><![CDATA[Wonderful, thank you!]]></wp:comment_content>
              <wp:comment_approved>1</wp:comment_approved>
              <wp:comment_parent>501</wp:comment_parent>
            </wp:comment>
            <wp:comment>
              <wp:comment_id>503</wp:comment_id>
              <wp:comment_author><![CDATA[Spammer]]></wp:comment_author>
              <wp:comment_date_gmt>2014-03-10 14:00:00</wp:comment_date_gmt>
              <wp:comment_content><![CDATA[Cheap watches]]></wp:comment_content>
              <wp:comment_approved>spam</wp:comment_approved>
            </wp:comment>
            <wp:comment>
              <wp:comment_id>504</wp:comment_id>
              <wp:comment_author><![CDATA[Waiting]]></wp:comment_author>
              <wp:comment_date_gmt>2014-03-10 15:00:00</wp:comment_date_gmt>
              <wp:comment_content><![CDATA[Not yet moderated]]></wp:comment_content>
              <wp:comment_approved>0</wp:comment_approved>
            </wp:comment>
          </item>
          <item>
            <title>Letter to the minister</title>
            <link>https://coalition.example.org/?p=12</link>
            <dc:creator>lee</dc:creator>
            <content:encoded><![CDATA[<p>Draft of our letter.</p>]]></content:encoded>
            <wp:post_id>12</wp:post_id>
            <wp:post_date>2014-03-12 10:00:00</wp:post_date>
            <wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
            <wp:post_name></wp:post_name>
            <wp:status>draft</wp:status>
            <wp:post_type>post</wp:post_type>
          </item>
          <item>
            <title>Members-only minutes</title>
            <link>https://coalition.example.org/2014/03/members-minutes/</link>
            <dc:creator>lee</dc:creator>
            <content:encoded><![CDATA[<p>Private minutes of the committee.</p>]]></content:encoded>
            <wp:post_id>13</wp:post_id>
            <wp:post_date_gmt>2014-03-13 10:00:00</wp:post_date_gmt>
            <wp:post_name>members-minutes</wp:post_name>
            <wp:status>private</wp:status>
            <wp:post_type>post</wp:post_type>
          </item>
          <item>
            <title>Pending guest post</title>
            <dc:creator>lee</dc:creator>
            <content:encoded><![CDATA[<p>Awaiting review.</p>]]></content:encoded>
            <wp:post_id>14</wp:post_id>
            <wp:post_date_gmt>2014-03-14 10:00:00</wp:post_date_gmt>
            <wp:post_name>pending-guest-post</wp:post_name>
            <wp:status>pending</wp:status>
            <wp:post_type>post</wp:post_type>
          </item>
          <item>
            <title>Anniversary vigil</title>
            <link>https://coalition.example.org/2030/01/anniversary-vigil/</link>
            <dc:creator>sam</dc:creator>
            <content:encoded><![CDATA[<p>We will gather again.</p>]]></content:encoded>
            <wp:post_id>15</wp:post_id>
            <wp:post_date_gmt>2030-01-05 18:00:00</wp:post_date_gmt>
            <wp:post_name>anniversary-vigil</wp:post_name>
            <wp:status>future</wp:status>
            <wp:post_type>post</wp:post_type>
          </item>
          <item>
            <title>Committee notes</title>
            <link>https://coalition.example.org/2014/03/committee-notes/</link>
            <dc:creator>sam</dc:creator>
            <content:encoded><![CDATA[<p>Notes for members who have the password.</p>]]></content:encoded>
            <wp:post_id>16</wp:post_id>
            <wp:post_date_gmt>2014-03-16 10:00:00</wp:post_date_gmt>
            <wp:post_name>committee-notes</wp:post_name>
            <wp:status>publish</wp:status>
            <wp:post_password><![CDATA[members2014]]></wp:post_password>
            <wp:post_type>post</wp:post_type>
          </item>
          <item>
            <title>Contact us</title>
            <link>https://coalition.example.org/contact-us/</link>
            <dc:creator>sam</dc:creator>
            <content:encoded><![CDATA[<p>Write to the secretary.</p>]]></content:encoded>
            <wp:post_id>20</wp:post_id>
            <wp:post_date_gmt>2013-01-01 10:00:00</wp:post_date_gmt>
            <wp:post_name>contact-us</wp:post_name>
            <wp:status>publish</wp:status>
            <wp:post_type>page</wp:post_type>
          </item>
          <item>
            <title>banner-photo</title>
            <link>https://coalition.example.org/banner-photo/</link>
            <wp:post_id>30</wp:post_id>
            <wp:post_type>attachment</wp:post_type>
            <wp:status>inherit</wp:status>
            <wp:attachment_url>https://coalition.example.org/wp-content/uploads/banner.jpg</wp:attachment_url>
          </item>
        </channel>
        </rss>
        """;
}
